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
import { LocalQueue, type Queue, type QueueEntry } from "./queue";
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
export const entryOf = (t: { track_id: string; title: string; artists: string[] }): QueueEntry =>
  ({ track_id: t.track_id, title: t.title, artists: t.artists });

interface Graph { ctx: AudioContext; previewGain: GainNode; renderGain: GainNode; meter: Meter; preview: Preview }

export class Player {
  readonly state = new Store<PlayerState>({ track: null, playing: false, position: 0, duration: 0, mode: "original",
    settings: NEUTRAL, render: null, notice: null });
  readonly queue: Queue = new LocalQueue();
  readonly main = new Audio();
  readonly rend = new Audio();
  private graph: Graph | null = null;
  private graphReady: Promise<Graph> | null = null;
  private hls: Attached | null = null;
  private asset: { key: string; tempo: number } | null = null;
  private generation = 0;
  private renderTimer: ReturnType<typeof setTimeout> | undefined;
  private renderAbort: AbortController | null = null;
  private playRequestedAt = 0;

  constructor() {
    this.main.preload = "auto";
    for (const el of [this.main, this.rend]) {
      el.addEventListener("ended", () => void this.next(true));
      el.addEventListener("play", () => this.sync());
      el.addEventListener("pause", () => this.sync());
    }
    this.main.addEventListener("timeupdate", () => {
      if (this.playRequestedAt && this.main.currentTime > 0) {
        metrics.playToAudioMs = Math.round(performance.now() - this.playRequestedAt);
        this.playRequestedAt = 0;
      }
    });
    this.main.addEventListener("error", () => { if (this.main.src) this.state.set({ notice: "This track can't be played right now." }); });
    setInterval(() => this.sync(), 250);
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

  private sync(): void {
    const track = this.state.get().track;
    const duration = track ? track.duration_ms / 1000 : 0;
    const position = this.position();
    if (this.state.get().mode === "preview" && this.playing() && position >= duration - 0.05) void this.next(true);
    this.state.set({ position, duration, playing: this.playing() });
    setPosition(position, duration, this.state.get().settings.tempo, this.playing());
  }

  async playQueue(entries: QueueEntry[], index: number): Promise<void> {
    this.queue.replace(entries, index);
    await this.openEntry(entries[index]);
  }

  async openEntry(entry: QueueEntry | null): Promise<void> {
    if (!entry) return;
    try {
      await this.load(await api<Track>(`/v1/tracks/${encodeURIComponent(entry.track_id)}`));
    } catch (error) {
      this.state.set({ notice: error instanceof ApiError ? error.message : "This track can't be played right now." });
    }
  }

  async load(track: Track): Promise<void> {
    this.generation += 1;
    this.leaveRender();
    this.graph?.preview.stop();
    const settings = await loadSettings(track.track_id);
    this.state.set({ track, mode: "original", settings, render: null, notice: null, position: 0 });
    rememberPlayed(track);
    setMetadata(track);
    this.playRequestedAt = performance.now();
    this.main.src = streamUrl(track);
    await this.main.play().catch(() => undefined);
    if (!isNeutral(settings)) await this.changeSettings(settings);
  }

  async resume(): Promise<void> {
    const { mode, settings } = this.state.get();
    if (mode === "preview" && this.graph) {
      await this.graph.ctx.resume();
      this.graph.preview.play(this.graph.preview.time, settings);
    } else {
      if (!this.main.src) return this.openEntry(this.queue.jump(Math.max(0, this.queue.state.get().index)));
      this.playRequestedAt = performance.now();
      await (mode === "render" ? this.rend : this.main).play().catch(() => undefined);
    }
    this.sync();
  }

  pause(): void {
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
  }

  async next(auto: boolean): Promise<void> { await this.openEntry(this.queue.next(auto)); }

  async previous(): Promise<void> {
    if (this.position() > 3) return this.seek(0);
    await this.openEntry(this.queue.previous());
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
    this.graph?.preview.stop();
    this.leaveRender();
    this.main.currentTime = from;
    this.state.set({ mode: "original", render: null });
    if (wasPlaying) await this.main.play().catch(() => undefined);
  }
}

function rememberPlayed(track: Track): void {
  const played = recentlyPlayed().filter((e) => e.track_id !== track.track_id);
  localStorage.setItem("tuneton.played", JSON.stringify([entryOf(track), ...played].slice(0, 20)));
}

export function recentlyPlayed(): QueueEntry[] {
  try { return JSON.parse(localStorage.getItem("tuneton.played") ?? "[]") as QueueEntry[]; } catch { return []; }
}

export const player = new Player();
