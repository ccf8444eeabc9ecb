// The play queue is the server's listening session (`/v1/me/queue`, `/v1/me/session`, docs/listening.md):
// it survives a reload and follows the listener to another device. This module sends the session's
// commands and reads it back; every read carries the newest command's consistency token (api/http.ts),
// so the Kafka runtime's asynchronous read model never shows a queue from before our own change.
import { track } from "../api/catalog";
import { api } from "../api/http";
import type { CommandAccepted } from "../api/types";
import { Store } from "../store";
import { InOrder, NewestRead } from "./ordering";

export type Repeat = "off" | "all" | "one";
/** What a screen hands over to play: a track and the words to show for it. */
export interface QueueEntry { track_id: string; title: string; artists: string[] }
export interface QueueItem extends QueueEntry { item_id: string; available: boolean }
export interface NowPlaying {
  item_id: string; track_id: string; playing: boolean; position_ms: number; original_position_ms: number;
  asset_key: string | null; tempo: number;
}
export interface QueueState {
  items: QueueItem[]; index: number; repeat: Repeat; shuffle: boolean; now: NowPlaying | null;
  /** The session plays on another device (the last to press play takes over). */
  elsewhere: boolean;
}

interface SessionRead { now_playing: NowPlaying | null; shuffle: boolean; repeat: Repeat; this_device_active: boolean | null; device_id: string | null }
interface QueueRead { data: { item_id: string; track_id: string; title: string | null; current: boolean; available: boolean }[]; current_index: number | null }
interface QueueAccepted extends CommandAccepted { item_ids: string[] }

/** This player's id, chosen once and kept: the session names the device it plays on. */
export function deviceId(storage: Storage = localStorage): string {
  let id = storage.getItem("tuneton.device");
  if (!id) {
    id = crypto.randomUUID();
    storage.setItem("tuneton.device", id);
  }
  return id;
}

/** The ``after_item_id`` that moves ``ids[from]`` to index ``to`` (null: to the front); the API's move. */
export function afterItem(ids: string[], from: number, to: number): string | null {
  const rest = ids.filter((_, i) => i !== from);
  return to === 0 ? null : rest[to - 1];
}

/** What decides the next item: the queue's order, the play modes and what plays now. A preloaded next
 * track is used only while this is what it was when it was chosen. */
export function queueSignature(q: Pick<QueueState, "items" | "repeat" | "shuffle" | "now">): string {
  return JSON.stringify([q.items.map((i) => i.item_id), q.repeat, q.shuffle, q.now?.item_id ?? null]);
}

/** `GET /v1/me/queue/next`: the item that plays when the current one ends, with a preload hint. */
export interface UpNext {
  current_item_id: string | null;
  next: { item_id: string; track_id: string; available: boolean; prefetch: { url: string; range: string } | null } | null;
}

const me = (path: string) => `/v1/me/${path}`;

export class ServerQueue {
  readonly state = new Store<QueueState>({ items: [], index: -1, repeat: "off", shuffle: false, now: null, elsewhere: false });
  readonly device = deviceId();
  /** Local changes of the play mode (repeat, shuffle), shown before the server answers, and how many of
   * them the server has answered. A read shows the server's mode only when it started after every local
   * change had been answered and no change came while it ran: otherwise it may put an old mode back. */
  private modeEdits = 0;
  private modeAnswered = 0;
  /** Mode commands are sent one at a time, so the server decides them in the order of the taps. */
  private readonly modeCommands = new InOrder();
  private readonly reads = new NewestRead();

  /** Read the session and its queue (after our last command, thanks to its consistency token). A read
   * that answers after a newer one leaves the state as the newer one made it. */
  async refresh(): Promise<QueueState> {
    const read = this.reads.begin();
    const edits = this.modeEdits;
    const modeSettled = edits === this.modeAnswered;
    const [session, queue] = await Promise.all([
      api<SessionRead>(me("session"), { query: { device_id: this.device } }),
      api<QueueRead>(me("queue")),
    ]);
    const items = await Promise.all(queue.data.map(async (i) => {
      const t = await track(i.track_id).catch(() => null);
      return { item_id: i.item_id, track_id: i.track_id, available: i.available, title: t?.title ?? i.title ?? "Unavailable track",
               artists: t?.artists ?? [] };
    }));
    if (!this.reads.settle(read)) return this.state.get();
    const mode = modeSettled && edits === this.modeEdits ? { repeat: session.repeat, shuffle: session.shuffle } : {};
    this.state.set({ items, index: queue.current_index ?? -1, ...mode, now: session.now_playing,
                     elsewhere: session.device_id !== null && session.this_device_active === false });
    return this.state.get();
  }

  /** Replace the queue with ``entries`` and play entry ``index`` here; the new item's id. */
  async play(entries: QueueEntry[], index: number, source: string): Promise<string> {
    const body = { track_ids: entries.map((e) => e.track_id), index, device_id: this.device, source: source.slice(0, 128) };
    const answer = await api<QueueAccepted>(me("queue/play"), { method: "POST", body });
    void this.refresh().catch(() => undefined);
    return answer.item_ids[index];
  }

  async append(trackId: string): Promise<void> {
    await api(me("queue/items"), { method: "POST", body: { track_ids: [trackId] } });
    await this.refresh();
  }

  /** Play item ``itemId`` now; the session's new now-playing. */
  async jump(itemId: string): Promise<QueueState> {
    await api(me(`queue/items/${encodeURIComponent(itemId)}/play`), { method: "POST", body: { device_id: this.device } });
    return this.refresh();
  }

  upNext(): Promise<UpNext> { return api<UpNext>(me("queue/next")); }

  /** Skip on (``auto``: the item played to its end, so repeat one plays it again); the new now-playing. */
  async next(auto: boolean, itemId: string | null): Promise<QueueState> {
    if (auto && itemId) await api(me("session/ended"), { method: "POST", body: { device_id: this.device, item_id: itemId } });
    else await api(me("session/next"), { method: "POST", body: { device_id: this.device } });
    return this.refresh();
  }

  /** Back: the session restarts a track more than 3 s in, else plays the item that played before. */
  async previous(): Promise<QueueState> {
    await api(me("session/previous"), { method: "POST", body: { device_id: this.device } });
    return this.refresh();
  }

  async remove(itemId: string): Promise<void> {
    await api(me(`queue/items/${encodeURIComponent(itemId)}`), { method: "DELETE" });
    await this.refresh();
  }

  async move(from: number, to: number): Promise<void> {
    const { items } = this.state.get();
    if (to < 0 || to >= items.length || from === to) return;
    const after = afterItem(items.map((i) => i.item_id), from, to);
    await api(me(`queue/items/${encodeURIComponent(items[from].item_id)}/move`), { method: "POST", body: { after_item_id: after } });
    await this.refresh();
  }

  setRepeat(mode: Repeat): Promise<void> {
    return this.changeMode({ repeat: mode }, () => api(me("session/repeat"), { method: "PUT", body: { mode } }));
  }

  setShuffle(enabled: boolean): Promise<void> {
    return this.changeMode({ shuffle: enabled }, () => api(me("session/shuffle"), { method: "PUT", body: { enabled } }));
  }

  /** Show a mode change at once, send it after the earlier ones, then read the session back (which puts
   * the server's mode back if the command was refused). */
  private async changeMode(change: Pick<QueueState, "repeat"> | Pick<QueueState, "shuffle">, send: () => Promise<unknown>): Promise<void> {
    this.modeEdits += 1;
    this.state.set(change);
    let refused: unknown = null;
    await this.modeCommands.run(send).catch((error: unknown) => { refused = error ?? new Error("refused"); });
    this.modeAnswered += 1;
    await this.refresh();
    if (refused) throw refused;
  }

  // What this device plays, reported so the session can resume it anywhere (positions in the timeline
  // of what plays: the original's, or a render's after ``rendition``).
  resume(): Promise<CommandAccepted> { return api(me("session/resume"), { method: "POST", body: { device_id: this.device } }); }
  pause(positionMs: number): Promise<CommandAccepted> {
    return api(me("session/pause"), { method: "POST", body: { device_id: this.device, position_ms: Math.max(0, Math.round(positionMs)) } });
  }
  position(itemId: string, positionMs: number): Promise<CommandAccepted> {
    return api(me("session/position"), { method: "POST",
      body: { device_id: this.device, item_id: itemId, position_ms: Math.max(0, Math.round(positionMs)) } });
  }
  rendition(itemId: string, assetKey: string | null, positionMs: number): Promise<CommandAccepted> {
    return api(me("session/rendition"), { method: "POST",
      body: { device_id: this.device, item_id: itemId, asset_key: assetKey, position_ms: Math.max(0, Math.round(positionMs)) } });
  }
}

/** Recently played and continue listening (`/v1/me/recent`, `/v1/me/continue`), from the listening history. */
export interface PlayedTrack { track_id: string; plays: number; position_ms: number | null; duration_ms: number | null }
export const recentlyPlayed = (limit = 10) => api<{ data: PlayedTrack[] }>(me("recent"), { query: { limit } });
export const continueListening = (limit = 5) => api<{ data: PlayedTrack[] }>(me("continue"), { query: { limit } });
