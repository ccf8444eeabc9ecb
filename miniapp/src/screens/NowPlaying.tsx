import { Icon } from "../ui/icons";
import { useEffect, useState } from "preact/hooks";
import { formatTime, isNeutral, NEUTRAL, type PitchSettings, scaledBpm, SEMITONE_RANGE, shiftSemitones, transposeKey } from "../music";
import { player } from "../player/player";
import { useStore } from "../store";
import { haptic, verticalSwipes } from "../telegram";
import { Banner, Cover, coverOf } from "../ui/components";

export function NowPlaying() {
  const s = useStore(player.state);
  const q = useStore(player.queue.state);
  const [scrub, setScrub] = useState<number | null>(null);
  if (!s.track) return <p class="hint">Nothing is playing. Pick a track on Home or in Search.</p>;
  const t = s.track;
  const repeatNext = { off: "all", all: "one", one: "off" } as const;
  return (
    <article class="now">
      <Cover url={coverOf(t, 600)} large label={`Cover of ${t.title}`} />
      <h2>{t.title}</h2>
      <div class="artists">{t.artists.join(", ")}</div>
      <label class="sr" for="scrubber">Position</label>
      <input id="scrubber" type="range" min={0} max={s.duration || 1} step={0.1} value={scrub ?? s.position}
        aria-valuetext={`${formatTime(scrub ?? s.position)} of ${formatTime(s.duration)}`}
        onPointerDown={() => verticalSwipes(false)}
        onInput={(e) => setScrub(Number((e.target as HTMLInputElement).value))}
        onChange={(e) => { void player.seek(Number((e.target as HTMLInputElement).value)); setScrub(null); verticalSwipes(true); }} />
      <div class="times"><span>{formatTime(scrub ?? s.position)}</span><span>{formatTime(s.duration)}</span></div>
      <div class="transport">
        <button class="icon" aria-label="Shuffle" aria-pressed={q.shuffle} onClick={() => void player.queue.setShuffle(!q.shuffle).catch(() => undefined)}><Icon name="shuffle" /></button>
        <button class="icon" aria-label="Previous track" onClick={() => void player.previous()}><Icon name="prev" /></button>
        <button class="play" aria-label={s.playing ? "Pause" : "Play"} onClick={() => void player.toggle()}><Icon name={s.playing ? "pause" : "play"} size={32} /></button>
        <button class="icon" aria-label="Next track" onClick={() => void player.next(false)}><Icon name="next" /></button>
        <button class="icon" aria-label={`Repeat: ${q.repeat}`} onClick={() => void player.queue.setRepeat(repeatNext[q.repeat]).catch(() => undefined)}><Icon name={q.repeat === "one" ? "repeatOne" : "repeat"} /></button>
      </div>
      <Banner message={s.notice} info />
      <PitchPanel settings={s.settings} />
    </article>
  );
}

function PitchPanel({ settings }: { settings: PitchSettings }) {
  const s = useStore(player.state);
  useEffect(() => { void player.prepareShift(); }, [s.track?.track_id]);
  // From the player's settings, not this render's: quick steps may come before the next render.
  const current = () => player.state.get().settings;
  const set = (patch: Partial<PitchSettings>) => void player.changeSettings({ ...current(), ...patch });
  const step = (d: number) => { haptic("tick"); set({ semitones: current().semitones + d }); };
  const analysis = s.track?.analysis ?? null;
  const result = s.render?.status === "ready" ? s.render.result : null;
  const status = s.mode === "render" ? "Playing the studio-quality render"
    : s.mode === "preview" ? (s.render ? `Preview · rendering ${s.render.percent}%` : "Preview") : "Original";
  return (
    <section class="pitch" aria-labelledby="pitch-h">
      <h2 id="pitch-h">Key and tempo</h2>
      <div class="stepper" role="group" aria-label="Semitones">
        <button aria-label="One semitone down" disabled={settings.semitones <= -SEMITONE_RANGE} onClick={() => step(-1)}>−</button>
        <output aria-live="polite" aria-label="Semitones" data-testid="semitones">{settings.semitones > 0 ? "+" : ""}{settings.semitones}</output>
        <button aria-label="One semitone up" disabled={settings.semitones >= SEMITONE_RANGE} onClick={() => step(1)}>+</button>
        <span class="hint">semitones</span>
      </div>
      <label class="field" for="cents">Fine tune: {settings.cents} cents</label>
      <input id="cents" type="range" min={-50} max={50} step={1} value={settings.cents} onChange={(e) => set({ cents: Number((e.target as HTMLInputElement).value) })} />
      <label class="field" for="tempo">Tempo: {settings.tempo.toFixed(2)}×</label>
      <input id="tempo" type="range" min={0.5} max={2} step={0.05} value={settings.tempo} onChange={(e) => set({ tempo: Number((e.target as HTMLInputElement).value) })} />
      <div class="actions">
        <label><input type="checkbox" checked={settings.formant} onChange={(e) => set({ formant: (e.target as HTMLInputElement).checked })} /> Keep voice timbre (formants)</label>
        <button disabled={isNeutral(settings) && !settings.formant} onClick={() => void player.changeSettings(NEUTRAL)}>Reset</button>
      </div>
      <dl class="keyline" data-testid="keyline">
        <dt>Key</dt><dd>{analysis ? `${analysis.key} → ${result?.key ?? transposeKey(analysis.key, shiftSemitones(settings)) ?? "?"}` : "not analysed"}</dd>
        <dt>Tempo</dt><dd>{analysis ? `${Math.round(analysis.bpm)} → ${Math.round(result?.bpm ?? scaledBpm(analysis.bpm, settings.tempo) ?? 0)} BPM` : "not analysed"}</dd>
        <dt>Playing</dt><dd data-testid="mode">{status}</dd>
      </dl>
    </section>
  );
}
