// Ordering for a client whose requests can overtake each other: the browser may send two fetches on two
// connections (and a gateway may forward them on two more), so neither the order in which commands reach
// the server nor the order in which answers come back is the order of the listener's taps.

/** Runs tasks one after another in the order they were handed in. Two quick taps on the repeat button
 * must reach the server as "all" then "one"; sent side by side, "one" could be decided first and the
 * session would end on "all" while the button had shown "one". A failed task does not stop the next. */
export class InOrder {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** Numbers reads as they start so that only the newest answered one is applied: a read that started
 * earlier but answers later holds an older state and must not replace a newer one on screen. */
export class NewestRead {
  private started = 0;
  private applied = 0;

  /** The number of a read that starts now. */
  begin(): number { return ++this.started; }

  /** True (and remembered) when read ``n`` is newer than every read applied so far. */
  settle(n: number): boolean {
    if (n < this.applied) return false;
    this.applied = n;
    return true;
  }
}
