// Read-your-writes tokens, kept so that an answer arriving late cannot take a read back in time.

/** What a command's answer says about the write it made (sign-in and uploads carry a token only). */
export interface Written { aggregate_id?: unknown; version?: unknown; consistency_token?: unknown }

/** The token reads send: the newest command's, unless a later answer of an older version of the same
 * aggregate arrives after it. Two commands on one aggregate (a position report, then "ended") are
 * decided in order, but their HTTP answers can come back in either order; taking the last answer's
 * token would make the next read wait only for the older version and show the state before the newer
 * command (seen in CI: the queue read after "ended" still named the item that had ended). */
export class TokenBook {
  private readonly newest = new Map<string, number>();
  private current: string | null = null;

  get token(): string | null { return this.current; }

  remember(written: Written | null | undefined): void {
    const token = written?.consistency_token;
    if (typeof token !== "string" || !token) return;
    const { aggregate_id: id, version } = written ?? {};
    if (typeof id === "string" && typeof version === "number") {
      if ((this.newest.get(id) ?? -1) > version) return;
      this.newest.set(id, version);
    }
    this.current = token;
  }
}
