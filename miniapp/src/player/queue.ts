// The play queue behind a module boundary: a local queue now (kept in localStorage); the server's
// listening-session API can implement the same interface later without touching the screens.
import { Store } from "../store";

export interface QueueEntry { track_id: string; title: string; artists: string[] }
export interface QueueState { entries: QueueEntry[]; index: number; repeat: "off" | "all" | "one"; shuffle: boolean }

export interface Queue {
  readonly state: Store<QueueState>;
  replace(entries: QueueEntry[], index: number): void;
  append(entry: QueueEntry): void;
  jump(index: number): QueueEntry | null;
  /** The entry after the current one (respecting repeat/shuffle), made current; null at the end. */
  next(auto: boolean): QueueEntry | null;
  previous(): QueueEntry | null;
  remove(index: number): void;
  move(from: number, to: number): void;
  setRepeat(mode: QueueState["repeat"]): void;
  setShuffle(on: boolean): void;
}

const KEY = "tuneton.queue";

export class LocalQueue implements Queue {
  readonly state: Store<QueueState>;

  constructor() {
    const saved = localStorage.getItem(KEY);
    this.state = new Store<QueueState>(saved ? (JSON.parse(saved) as QueueState) : { entries: [], index: -1, repeat: "off", shuffle: false });
    this.state.subscribe((s) => localStorage.setItem(KEY, JSON.stringify(s)));
  }

  private current(): QueueEntry | null { const s = this.state.get(); return s.entries[s.index] ?? null; }

  replace(entries: QueueEntry[], index: number): void { this.state.set({ entries, index }); }

  append(entry: QueueEntry): void {
    const s = this.state.get();
    this.state.set({ entries: [...s.entries, entry], index: s.index < 0 ? 0 : s.index });
  }

  jump(index: number): QueueEntry | null {
    if (index < 0 || index >= this.state.get().entries.length) return null;
    this.state.set({ index });
    return this.current();
  }

  next(auto: boolean): QueueEntry | null {
    const s = this.state.get();
    if (s.entries.length === 0) return null;
    if (auto && s.repeat === "one") return this.current();
    if (s.shuffle && s.entries.length > 1) {
      let pick = s.index;
      while (pick === s.index) pick = Math.floor(Math.random() * s.entries.length);
      return this.jump(pick);
    }
    if (s.index + 1 < s.entries.length) return this.jump(s.index + 1);
    return s.repeat === "all" || !auto ? this.jump(0) : null;
  }

  previous(): QueueEntry | null {
    const s = this.state.get();
    return this.jump(s.index > 0 ? s.index - 1 : s.entries.length - 1);
  }

  remove(index: number): void {
    const s = this.state.get();
    const entries = s.entries.filter((_, i) => i !== index);
    this.state.set({ entries, index: index < s.index ? s.index - 1 : Math.min(s.index, entries.length - 1) });
  }

  move(from: number, to: number): void {
    const s = this.state.get();
    if (to < 0 || to >= s.entries.length || from === to) return;
    const entries = [...s.entries];
    const [entry] = entries.splice(from, 1);
    entries.splice(to, 0, entry);
    let index = s.index;
    if (s.index === from) index = to;
    else if (from < s.index && to >= s.index) index -= 1;
    else if (from > s.index && to <= s.index) index += 1;
    this.state.set({ entries, index });
  }

  setRepeat(repeat: QueueState["repeat"]): void { this.state.set({ repeat }); }
  setShuffle(shuffle: boolean): void { this.state.set({ shuffle }); }
}
