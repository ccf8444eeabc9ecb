// The instant preview: the decoded original through Signalsmith Stretch (WASM in an AudioWorklet,
// MIT), so a pitch/tempo change is heard at once while the server renders the real asset.
// The library is a dynamic import: it loads the first time a listener touches pitch or tempo.
import type { PitchSettings } from "../music";
import { shiftSemitones } from "../music";
// Loaded as the published file, not bundled: the library stringifies its own functions to build the
// worklet module, which a minifier's renaming would break.
import stretchUrl from "signalsmith-stretch?url";

interface StretchNode extends AudioNode {
  inputTime: number;
  schedule(change: Record<string, number | boolean>): void;
  start(when?: number): void;
  stop(when?: number): void;
  addBuffers(buffers: Float32Array[]): Promise<number>;
  dropBuffers(): Promise<unknown>;
  setUpdateInterval(seconds: number, callback?: (t: number) => void): void;
  latency(): Promise<number>;
}

export class Preview {
  private loadedTrack: string | null = null;
  private running = false;
  /** Where the last ``play`` jumped to, until the worklet's time reports (every 20 ms) get there: before
   * that, ``inputTime`` is still the old position (the end of the track, after repeat one). */
  private jump: { to: number; at: number } | null = null;

  private constructor(private readonly node: StretchNode) {}

  static async create(ctx: AudioContext, out: AudioNode): Promise<Preview> {
    const { default: SignalsmithStretch } = (await import(/* @vite-ignore */ stretchUrl)) as typeof import("signalsmith-stretch");
    const node = (await SignalsmithStretch(ctx)) as StretchNode;  // default options: with no input the worklet stays silent
    node.setUpdateInterval(0.02);
    node.connect(out);
    return new Preview(node);
  }

  get time(): number {
    const { jump } = this;
    if (jump && Math.abs(this.node.inputTime - jump.to) > 0.5 && performance.now() - jump.at < 500) return jump.to;
    this.jump = null;
    return this.node.inputTime;
  }
  get active(): boolean { return this.running; }
  latency(): Promise<number> { return this.node.latency(); }

  /** Decode the track's stream (the browser cache usually has it from the <audio> element) once. */
  async load(ctx: AudioContext, trackId: string, url: string): Promise<void> {
    if (this.loadedTrack === trackId) return;
    const bytes = await (await fetch(url)).arrayBuffer();
    const audio = await ctx.decodeAudioData(bytes);
    const channels = [0, 1].map((c) => audio.getChannelData(Math.min(c, audio.numberOfChannels - 1)));
    await this.node.dropBuffers();
    await this.node.addBuffers(channels);
    this.loadedTrack = trackId;
  }

  play(inputS: number, s: PitchSettings): void {
    this.jump = { to: inputS, at: performance.now() };
    this.node.schedule({ active: true, input: inputS, ...params(s) });
    this.running = true;
  }

  update(s: PitchSettings): void { if (this.running) this.node.schedule(params(s)); }

  stop(): void {
    this.node.schedule({ active: false });
    this.running = false;
  }
}

function params(s: PitchSettings): Record<string, number | boolean> {
  return { rate: s.tempo, semitones: shiftSemitones(s), formantCompensation: s.formant, formantSemitones: 0 };
}
