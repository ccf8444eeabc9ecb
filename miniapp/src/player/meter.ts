// A level meter on the output bus: RMS per ~10 ms window, kept for the last few seconds. The handoff
// from preview to render is judged by it (gap = windows near silence, jump = level change in dB).
export interface Window { t: number; db: number }

export class Meter {
  private readonly analyser: AnalyserNode;
  private readonly buffer: Float32Array<ArrayBuffer>;
  private readonly windows: Window[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: AudioContext, input: AudioNode) {
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 512;
    this.buffer = new Float32Array(this.analyser.fftSize);
    input.connect(this.analyser);
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(this.buffer);
      let sum = 0;
      for (const v of this.buffer) sum += v * v;
      const db = 10 * Math.log10(sum / this.buffer.length + 1e-12);
      this.windows.push({ t: performance.now(), db });
      if (this.windows.length > 1000) this.windows.shift();
    }, 10);
  }

  level(): number { return this.windows.at(-1)?.db ?? -120; }

  /** The loudest window of the last ``ms``: one 10-ms window can fall between two notes. */
  loudest(ms: number): number {
    const since = performance.now() - ms;
    return Math.max(-120, ...this.windows.filter((w) => w.t >= since).map((w) => w.db));
  }

  /** Around ``at`` (performance.now ms): the longest near-silent run and the level change in dB. */
  discontinuity(at: number): { gapMs: number; jumpDb: number; minDb: number } {
    const near = this.windows.filter((w) => Math.abs(w.t - at) <= 300);
    const mean = (ws: Window[]) => ws.reduce((a, w) => a + w.db, 0) / Math.max(1, ws.length);
    const before = this.windows.filter((w) => w.t >= at - 600 && w.t < at - 50);
    const after = this.windows.filter((w) => w.t > at + 150 && w.t <= at + 700);
    let run = 0, longest = 0, last = 0;
    for (const w of near) {
      if (w.db < -50) { run += last ? w.t - last : 10; longest = Math.max(longest, run); } else run = 0;
      last = w.t;
    }
    return { gapMs: Math.round(longest), jumpDb: Math.round((mean(after) - mean(before)) * 10) / 10,
             minDb: Math.round(Math.min(...near.map((w) => w.db)) * 10) / 10 };
  }
}
