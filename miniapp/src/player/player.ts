// The player: one place that knows what is audible. Three modes, one musical position:
//   original — the track's stream in a plain <audio> element (lock screen, background play);
//   preview  — the decoded original through Signalsmith Stretch, heard as soon as pitch/tempo change;
//   render   — the server's HLS render, which the preview hands off to at the same musical moment
//              (position from /v1/renders/{key}/positions), crossfaded on one Web Audio bus.
import { api } from "../api/http";
import { ApiError } from "../api/errors";
import type { Render, Track } from "../api/types";
import { clampSettings, isNeutral, NEUTRAL, type PitchSettings, renderedSeconds } from "../music";
import { Store } from "../store";
import { attachHls, type Attached } from "./hls";
import { bindControls, setMetadata, setPosition } from "./mediaSession";
import { Meter } from "./meter";
import { Preview } from "./preview";
import { type NowPlaying, type QueueEntry, queueSignature, ServerQueue } from "./queue";
import { follow, originalPosition, renderPosition, requestRender } from "./renders";
import { loadSettings, saveSettings } from "./settings";

export type Mode = "original" | "preview" | "render";
export interface PlayerState {
  track: Track | null; playing: boolean; position: number; duration: number; mode: Mode;
  settings: PitchSettings; render: Render | null; notice: string | null;
}

/** Figures the browser test reads (BENCHMARKS.md): milliseconds unless named otherwise. */
export const metrics: Record<string, unknown> = {};
const RENDER_DEBOUNCE_MS = 800;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const once = (el: HTMLMediaElement, name: string, ms = 8000) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name} timeout`)), ms);
    el.addEventListener(name, () => { clearTimeout(t); resolve(); }, { once: true });
  });

export const streamUrl = (t: Track): string => (t.renditions[0] ?? t.original).url;
const REPORT_EVERY_MS = 5000;
/** The next track is preloaded this long before the current one ends (a spare <audio> buffers it). */
const PRELOAD_LEAD_S = 30;
export const entryOf = (t: { track_id: string; title: string; artists: string[] }): QueueEntry =>
  ({ track_id: t.track_id, title: t.title, artists: t.artists });

interface Graph { ctx: AudioContext; previewGain: GainNode; renderGain: GainNode; meter: Meter; preview: Preview }
/** The next track, buffering in the spare element: played the moment item ``after`` ends, while
 * ``signature`` (the queue it was chosen from) still holds. */
interface Upcoming { after: string; itemId: string; track: Track; signature: string }

export class Player {
  readonly state = new Store<PlayerState>({ track: null, playing: false, position: 0, duration: 0, mode: "original",
    settings: NEUTRAL, render: null, notice: null });
  readonly queue = new ServerQueue();
  /** The original's element; swapped with ``spare`` when a preloaded next track takes over. */
  main = new Audio();
  private spare = new Audio();
  readonly rend = new Audio();
  private upcoming: Upcoming | null = null;
  /** The item (and queue) the next track was last asked for: asked once, not every tick. */
  private askedFor = "";
  private switchStartedAt = 0;
  private switchPreloaded = false;
  private graph: Graph | null = null;
  private graphReady: Promise<Graph> | null = null;
  private hls: Attached | null = null;
  private asset: { key: string; tempo: number } | null = null;
  private generation = 0;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private renderAbort: AbortController | null = null;
  private playRequestedAt = 0;
  /** The session's item this device plays, and the tempo of the rendition the session has it on. */
  private itemId: string | null = null;
  private sessionTempo = 1;
  private advancing = false;
  private claims = 0;

  constructor() {
    // Events count only from the element that is audible now: the spare one is buffering the next track.
    const live = (el: EventTarget | null) => el === this.main || el === this.rend;
    for (const el of [this.main, this.spare, this.rend]) {
      el.preload = "auto";
      el.addEventListener("ended", (e) => { if (live(e.target)) void this.next(true); });
      el.addEventListener("play", (e) => { if (live(e.target)) this.sync(); });
      el.addEventListener("pause", (e) => { if (live(e.target)) this.sync(); });
    }
    for (const el of [this.main, this.spare]) {
      el.addEventListener("timeupdate", () => { if (el === this.main) this.firstAudio(); });
      el.addEventListener("playing", () => { if (el === this.main) this.switched(); });
      el.addEventListener("error", () => {
        if (el === this.main && this.main.src) this.state.set({ notice: "This track can't be played right now." });
        if (el === this.spare) this.upcoming = null;  // not preloaded after all: the switch waits for the session
      });
    }
    this.queue.state.subscribe((q) => { if (this.upcoming && this.upcoming.signature !== queueSignature(q)) this.upcoming = null; });
    setInterval(() => this.sync(), 250);
    setInterval(() => { if (this.playing()) void this.report(); }, REPORT_EVERY_MS);
    bindControls({ play: () => void this.resume(), pause: () => this.pause(), next: () => void this.next(false),
                   previous: () => void this.previous(), seek: (s) => void this.seek(s) });
  }

  position(): number {
    const { mode } = this.state.get();
    if (mode === "preview" && this.graph) return this.graph.preview.time;
    if (mode === "render" && this.asset) return this.rend.currentTime * this.asset.tempo;
    return this.main.currentTime;
  }

  playing(): boolean {
    const { mode } = this.state.get();
    if (mode === "preview") return this.graph?.preview.active ?? false;
    return !(mode === "render" ? this.rend : this.main).paused;
  }

  /** The first frame after a play request, as ``timeupdate`` reports it (at most every 250 ms). */
  private firstAudio(): void {
    if (this.main.currentTime <= 0 || !this.playRequestedAt) return;
    metrics.playToAudioMs = Math.round(performance.now() - this.playRequestedAt);
    this.playRequestedAt = 0;
  }

  /** The next track's element started playing: how long after the last one ended or Next was pressed. */
  private switched(): void {
    if (!this.switchStartedAt) return;
    metrics.trackSwitch = { gapMs: Math.round(performance.now() - this.switchStartedAt), preloaded: this.switchPreloaded };
    this.switchStartedAt = 0;
  }

  private sync(): void {
    const track = this.state.get().track;
    const duration = track ? track.duration_ms / 1000 : 0;
    const position = this.position();
    if (this.state.get().mode === "preview" && this.playing() && position >= duration - 0.05) void this.next(true);
    if (this.playing() && duration - position < PRELOAD_LEAD_S) void this.preloadNext();
    this.state.set({ position, duration, playing: this.playing() });
    setPosition(position, duration, this.state.get().settings.tempo, this.playing());
  }

  /** Make ``entries`` the session's queue and play entry ``index`` here (from ``atS`` seconds). The
   * audio starts at once; the session's command runs beside it (the item id is needed only for reports). */
  async playQueue(entries: QueueEntry[], index: number, source = "", atS = 0): Promise<void> {
    this.itemId = null;
    const my = ++this.claims;  // a later play's answer must not be overwritten by this one's
    const opened = this.openTrack(entries[index].track_id, true, atS);  // its track request goes first
    const claimed = this.queue.play(entries, index, source).then((id) => {
      if (my !== this.claims) return;
      this.itemId = id;
      this.sessionTempo = 1;
    }, (error: unknown) => this.refused(error));
    await opened;
    await claimed;
    if (atS > 0) await this.report();
  }

  /** Pick up the session where it is (after a reload, or on another device), paused until play is pressed. */
  async restore(): Promise<void> {
    const s = await this.queue.refresh().catch(() => null);
    if (!s?.now || this.state.get().track) return;
    this.itemId = s.now.item_id;
    this.sessionTempo = s.now.tempo;
    await this.openTrack(s.now.track_id, false, s.now.original_position_ms / 1000);
    if (s.elsewhere) this.state.set({ notice: "Playing on another device. Press play to listen here." });
  }

  private async openTrack(trackId: string, autoplay: boolean, atS = 0): Promise<void> {
    try {
      await this.load(await api<Track>(`/v1/tracks/${encodeURIComponent(trackId)}`), autoplay, atS);
    } catch (error) {
      this.state.set({ notice: error instanceof ApiError ? error.message : "This track can't be played right now." });
    }
  }

  /** Play what the session says plays now (after next, previous, jump, end or removal). */
  private async adopt(now: NowPlaying | null): Promise<void> {
    if (!now) {
      this.stopHere();  // the end of the queue
      return;
    }
    // A new play, also of the same item (repeat one, previous restarting it): it starts on the original,
    // from the top, and the track's pitch/tempo settings apply again (preview, then the cached render).
    this.itemId = now.item_id;
    this.sessionTempo = now.tempo;
    await this.openTrack(now.track_id, true);
  }

  /** Run a session command and play what it leaves playing; false when it was refused or failed. */
  private async follow(command: () => Promise<{ now: NowPlaying | null }>): Promise<boolean> {
    try {
      await this.adopt((await command()).now);
      return true;
    } catch (error) {
      this.refused(error);
      return false;
    }
  }

  /** A refused session command: another device took over (stop here and say so), another device moved
   * the session on (follow it: remote control), or, unless ``quiet`` (a periodic report), a message.
   * ``about``: the item a report was for; once this device has left that item (its track ended and the
   * next one took over), "not the current item" is about the past and is not followed. */
  private refused(error: unknown, quiet = false, about?: string): void {
    const reason = error instanceof ApiError ? error.reason : null;
    if (reason === "not_current_item" && about !== undefined && about !== this.itemId) return;
    if (reason === "device_superseded") {
      this.stopHere();
      this.queue.state.set({ elsewhere: true });
      this.state.set({ notice: "Playing on another device. Press play to listen here." });
    } else if (reason === "not_current_item") {
      void this.queue.refresh().then((s) => this.adopt(s.now), () => undefined);
    } else if (!quiet) {
      this.state.set({ notice: error instanceof ApiError ? error.message : "The listening session is not available." });
    }
  }

  /** The position in the timeline of what the session plays (the original's, or its render's). */
  private sessionMs(): number { return (this.position() / this.sessionTempo) * 1000; }

  private async report(): Promise<void> {
    const item = this.itemId;
    if (!item || this.queue.state.get().elsewhere) return;
    await this.queue.position(item, this.sessionMs()).catch((error: unknown) => this.refused(error, true, item));
  }

  /** Tell the session what plays now (a render, or null: the original), where it is in what played so far. */
  private async reportRendition(assetKey: string | null, tempo: number, originalS: number): Promise<void> {
    if (!this.itemId) return;
    const at = (originalS / this.sessionTempo) * 1000;
    this.sessionTempo = tempo;
    await this.queue.rendition(this.itemId, assetKey, at).catch((error: unknown) => this.refused(error));
  }

  async load(track: Track, autoplay = true, atS = 0): Promise<void> {
    const settings = await this.enter(track, atS);
    this.main.src = streamUrl(track);
    if (atS > 0) this.main.currentTime = atS;
    if (!autoplay) return;
    this.playRequestedAt = performance.now();
    await this.main.play().catch(() => undefined);
    if (!isNeutral(settings)) await this.changeSettings(settings);
  }

  /** Make ``track`` the one shown and controlled, on its original, with its own pitch/tempo settings. */
  private async enter(track: Track, atS: number): Promise<PitchSettings> {
    this.generation += 1;
    this.leaveRender();
    this.graph?.preview.stop();
    const settings = await loadSettings(track.track_id);
    this.state.set({ track, mode: "original", settings, render: null, notice: null, position: atS });
    setMetadata(track);
    return settings;
  }

  /** Buffer what plays next in the spare element (``/v1/me/queue/next``), so its start needs no
   * request: the session's answer to "ended" arrives beside the music, not before it. */
  private async preloadNext(): Promise<void> {
    const after = this.itemId;
    const signature = queueSignature(this.queue.state.get());
    if (!after || this.queue.state.get().elsewhere || this.askedFor === after + signature) return;
    this.askedFor = after + signature;
    try {
      const { current_item_id: current, next } = await this.queue.upNext();
      if (current !== after || !next?.available || !next.prefetch) return;
      const track = await api<Track>(`/v1/tracks/${encodeURIComponent(next.track_id)}`);
      if (after !== this.itemId || signature !== queueSignature(this.queue.state.get())) return;
      this.spare.src = streamUrl(track);
      this.spare.load();
      this.upcoming = { after, itemId: next.item_id, track, signature };
      // Every preload, each with the item it follows: one slot would be overwritten by the next item's
      // preload as soon as the preloaded track starts (its lead is most of a short track).
      ((metrics.preloads ??= []) as unknown[]).push({ track_id: track.track_id, item_id: next.item_id, after });
    } catch {
      // Nothing preloaded: the next track starts when the session has answered, as without a hint.
    }
  }

  /** The current item ended and its successor is buffered: play it now and tell the session beside it.
   * The session decides; if it picked another item (a device changed the queue meanwhile), that plays. */
  private switchToUpcoming(): boolean {
    const up = this.upcoming;
    const ended = this.itemId;
    if (!up || !ended || up.after !== ended || up.signature !== queueSignature(this.queue.state.get())) return false;
    this.upcoming = null;
    [this.main, this.spare] = [this.spare, this.main];
    this.spare.pause();
    this.spare.removeAttribute("src");
    this.spare.load();
    this.itemId = null;  // until the session has moved on: no position report for an item it does not play yet
    this.switchPreloaded = true;
    this.playRequestedAt = performance.now();
    void this.main.play().catch(() => undefined);  // first: the rest (settings, metadata) is not audible
    void this.enter(up.track, 0).then((settings) => (isNeutral(settings) ? undefined : this.changeSettings(settings)));
    void this.queue.next(true, ended).then(async (s) => {
      if (s.now?.item_id === up.itemId) {
        this.itemId = s.now.item_id;
        this.sessionTempo = s.now.tempo;
      } else {
        await this.adopt(s.now);
      }
    }, (error: unknown) => this.refused(error));
    return true;
  }

  /** Play here: the session follows this device (it takes over from one playing elsewhere). */
  async resume(): Promise<void> {
    const { mode, settings } = this.state.get();
    if (this.itemId) {
      this.queue.state.set({ elsewhere: false });
      void this.queue.resume().then(() => {
        // Picked up from a render the session was on: this device starts on the original.
        if (mode === "original" && this.sessionTempo !== 1) return this.reportRendition(null, 1, this.position());
        return undefined;
      }, (error: unknown) => this.refused(error));
    }
    if (mode === "preview" && this.graph) {
      await this.graph.ctx.resume();
      this.graph.preview.play(this.graph.preview.time, settings);
    } else {
      if (!this.main.src) return;
      this.playRequestedAt = performance.now();
      await (mode === "render" ? this.rend : this.main).play().catch(() => undefined);
      if (mode === "original" && !isNeutral(settings)) await this.changeSettings(settings);
    }
    this.sync();
  }

  pause(): void {
    this.stopHere();
    if (this.itemId && !this.queue.state.get().elsewhere) {
      void this.queue.pause(this.sessionMs()).catch((error: unknown) => this.refused(error));
    }
  }

  private stopHere(): void {
    const { mode } = this.state.get();
    if (mode === "preview") this.graph?.preview.stop();
    else (mode === "render" ? this.rend : this.main).pause();
    this.sync();
  }

  toggle(): Promise<void> { if (this.playing()) { this.pause(); return Promise.resolve(); } return this.resume(); }

  /** Seek to ``originalS`` seconds of the original track (the same musical moment in every mode). */
  async seek(originalS: number): Promise<void> {
    const { mode, settings } = this.state.get();
    if (mode === "preview" && this.graph) this.graph.preview.play(originalS, settings);
    else if (mode === "render" && this.asset) this.rend.currentTime = (await renderPosition(this.asset.key, originalS)).render_s;
    else this.main.currentTime = originalS;
    this.sync();
    if (this.playing()) void this.report();
  }

  /** Next track: pressed (``auto`` false), or the track ended (the session applies repeat one). */
  async next(auto: boolean): Promise<void> {
    if (this.advancing) return;
    this.advancing = true;
    this.switchStartedAt = performance.now();
    this.switchPreloaded = false;
    try {
      if (auto && this.switchToUpcoming()) return;
      // A track that ended and cannot go on (the session refused, or is unreachable) stops here: the
      // end-of-track check would otherwise ask again every 250 ms.
      if (!(await this.follow(() => this.queue.next(auto, this.itemId))) && auto) this.stopHere();
    } finally {
      this.advancing = false;
    }
  }

  async previous(): Promise<void> { await this.follow(() => this.queue.previous()); }
  async jump(itemId: string): Promise<void> { await this.follow(() => this.queue.jump(itemId)); }

  async removeFromQueue(itemId: string): Promise<void> {
    try {
      await this.queue.remove(itemId);
      if (itemId === this.itemId) await this.adopt(this.queue.state.get().now);
    } catch (error) {
      this.refused(error);
    }
  }

  private ensureGraph(): Promise<Graph> {
    this.graphReady ??= this.buildGraph();
    return this.graphReady;
  }

  private async buildGraph(): Promise<Graph> {
    const ctx = new AudioContext({ latencyHint: "interactive" });
    const master = ctx.createGain();
    master.connect(ctx.destination);
    const previewGain = ctx.createGain();
    const renderGain = ctx.createGain();
    previewGain.connect(master);
    renderGain.connect(master);
    ctx.createMediaElementSource(this.rend).connect(renderGain);
    const meter = new Meter(ctx, master);
    meter.start();
    this.graph = { ctx, previewGain, renderGain, meter, preview: await Preview.create(ctx, previewGain) };
    return this.graph;
  }

  /** Get the preview ready before the first step (worklet, decoded track), so the step is only a schedule. */
  async prepareShift(): Promise<void> {
    const track = this.state.get().track;
    if (!track) return;
    const graph = await this.ensureGraph();
    await graph.preview.load(graph.ctx, track.track_id, streamUrl(track)).catch(() => undefined);
  }

  /** Apply new pitch/tempo: heard at once through the preview, then the server render takes over. */
  async changeSettings(next: PitchSettings): Promise<void> {
    const track = this.state.get().track;
    if (!track) return;
    const s = clampSettings(next);
    const stepAt = performance.now();
    const my = ++this.generation;
    this.state.set({ settings: s, render: null, notice: null });
    void saveSettings(track.track_id, s);
    clearTimeout(this.renderTimer);
    this.renderAbort?.abort();
    if (isNeutral(s)) return this.backToOriginal();
    const graph = await this.ensureGraph();
    await graph.ctx.resume();
    if (this.state.get().mode === "preview") {
      graph.preview.update(s);
      metrics.stepToScheduledMs = Math.round((performance.now() - stepAt) * 10) / 10;
      metrics.previewLatencyMs = Math.round((await graph.preview.latency()) * 1000);
      metrics.stepToShiftHeardMs = Number(metrics.stepToScheduledMs) + Number(metrics.previewLatencyMs);
    } else {
      const from = await this.currentOriginalTime();
      const wasPlaying = this.playing() || this.state.get().mode === "original";
      if (this.state.get().mode === "render") void this.reportRendition(null, 1, from);
      await graph.preview.load(graph.ctx, track.track_id, streamUrl(track));
      if (my !== this.generation) return;
      graph.previewGain.gain.cancelScheduledValues(0);
      graph.previewGain.gain.value = 1;
      if (wasPlaying) graph.preview.play(from, s);
      this.main.pause();
      this.leaveRender();
      this.state.set({ mode: "preview" });
      void this.measureHeard(graph, stepAt);
    }
    // Ask for the render once the listener stops adjusting: every request starts a render on the server.
    this.renderTimer = setTimeout(() => void this.renderAndHandoff(my, track.track_id, s), RENDER_DEBOUNCE_MS);
  }

  private async measureHeard(graph: Graph, since: number): Promise<void> {
    for (let i = 0; i < 300; i++) {
      if (graph.meter.level() > -60) { metrics.stepToHeardMs = Math.round(performance.now() - since); return; }
      await sleep(5);
    }
  }

  private async currentOriginalTime(): Promise<number> {
    const { mode } = this.state.get();
    if (mode === "render" && this.asset) return (await originalPosition(this.asset.key, this.rend.currentTime)).original_s;
    return this.position();
  }

  private async renderAndHandoff(my: number, trackId: string, s: PitchSettings): Promise<void> {
    const abort = new AbortController();
    this.renderAbort = abort;
    try {
      const requested = await requestRender(trackId, s);
      const requestedAt = performance.now();
      const playable = (r: Render) => r.status === "ready" ||
        (r.status === "rendering" && renderedSeconds(r.segments_ready) > this.position() / s.tempo + 6);
      const last = await follow(requested.events_url, (r) => { if (my === this.generation) this.state.set({ render: r }); }, playable, abort.signal);
      if (my !== this.generation) return;
      if (last.status === "failed" || !last.urls.playlist) {
        this.state.set({ notice: "The server could not render this setting; you hear the preview." });
        return;
      }
      metrics.renderPlayableMs = Math.round(performance.now() - requestedAt);
      await this.handoff(my, requested.asset_key, last.urls.playlist, s);
    } catch (error) {
      if ((error as Error).name === "AbortError" || my !== this.generation) return;
      this.state.set({ notice: error instanceof ApiError ? error.message : "The render is not available; you hear the preview." });
    }
  }

  /** Switch from the preview to the render at a musical moment just ahead, then crossfade 40 ms. */
  private async handoff(my: number, key: string, playlist: string, s: PitchSettings, attempt = 0): Promise<void> {
    const graph = this.graph;
    if (!graph || this.state.get().mode !== "preview") return;
    const leadS = 0.6 + attempt * 0.6;
    const target = graph.preview.time + leadS * s.tempo;
    const mapped = await renderPosition(key, target);
    this.leaveRender();
    graph.renderGain.gain.value = 0;
    this.hls = await attachHls(this.rend, playlist, mapped.render_s);
    await once(this.rend, "canplay");
    if (Math.abs(this.rend.currentTime - mapped.render_s) > 0.02) {
      this.rend.currentTime = mapped.render_s;
      await once(this.rend, "seeked");
    }
    if (my !== this.generation) return;
    const wait = ((target - graph.preview.time) / s.tempo) * 1000;
    if (wait < 30 && attempt < 3) return this.handoff(my, key, playlist, s, attempt + 1);
    await sleep(wait - 30);
    const playing = graph.preview.active;
    if (playing) await this.rend.play();
    const now = graph.ctx.currentTime;
    graph.renderGain.gain.setValueAtTime(0, now);
    graph.renderGain.gain.linearRampToValueAtTime(1, now + 0.04);
    graph.previewGain.gain.setValueAtTime(1, now);
    graph.previewGain.gain.linearRampToValueAtTime(0, now + 0.04);
    const at = performance.now();
    const alignmentMs = Math.round((this.rend.currentTime - graph.preview.time / s.tempo) * 1000);
    setTimeout(() => graph.preview.stop(), 80);
    this.asset = { key, tempo: mapped.tempo };
    this.state.set({ mode: "render" });
    void this.reportRendition(key, mapped.tempo, mapped.original_s);
    setTimeout(() => {
      metrics.handoff = { original_s: mapped.original_s, render_s: mapped.render_s, tempo: mapped.tempo, alignmentMs,
                          attempts: attempt + 1, ...graph.meter.discontinuity(at) };
    }, 800);
  }

  private leaveRender(): void {
    this.hls?.detach();
    this.hls = null;
    this.asset = null;
    this.rend.pause();
  }

  private async backToOriginal(): Promise<void> {
    const { mode } = this.state.get();
    if (mode === "original") return;
    const from = await this.currentOriginalTime();
    const wasPlaying = this.playing();
    if (mode === "render") void this.reportRendition(null, 1, from);
    this.graph?.preview.stop();
    this.leaveRender();
    this.main.currentTime = from;
    this.state.set({ mode: "original", render: null });
    if (wasPlaying) await this.main.play().catch(() => undefined);
  }
}

export const player = new Player();
