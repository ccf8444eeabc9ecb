// A minimal observable value and its Preact hook: the app's shared state without a state library.
import { useEffect, useState } from "preact/hooks";

export class Store<T extends object> {
  private listeners = new Set<(value: T) => void>();
  constructor(private value: T) {}
  get(): T { return this.value; }
  set(patch: Partial<T>): void {
    this.value = { ...this.value, ...patch };
    this.listeners.forEach((l) => l(this.value));
  }
  subscribe(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export function useStore<T extends object>(store: Store<T>): T {
  const [value, setValue] = useState(store.get());
  useEffect(() => store.subscribe(setValue), [store]);
  return value;
}
