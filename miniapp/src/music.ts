// Pitch/tempo settings and what they do to a track's key and tempo (pure; shown beside the controls).

export interface PitchSettings { semitones: number; cents: number; tempo: number; formant: boolean }

export const NEUTRAL: PitchSettings = { semitones: 0, cents: 0, tempo: 1, formant: false };
export const SEMITONE_RANGE = 12;
export const TEMPO_MIN = 0.5;
export const TEMPO_MAX = 2;

const NAMES = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"];
const ALIASES: Record<string, number> = { "C#": 1, "D#": 3, "F#": 6, "G#": 8, "A#": 10 };

export const isNeutral = (s: PitchSettings): boolean => s.semitones === 0 && s.cents === 0 && s.tempo === 1;

export function clampSettings(s: PitchSettings): PitchSettings {
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  return {
    semitones: clamp(Math.round(s.semitones), -SEMITONE_RANGE, SEMITONE_RANGE),
    cents: clamp(Math.round(s.cents), -50, 50),
    tempo: Math.round(clamp(s.tempo, TEMPO_MIN, TEMPO_MAX) * 100) / 100,
    formant: Boolean(s.formant),
  };
}

/** Total shift in semitones (fractional with cents), as the render API and the preview take it. */
export const shiftSemitones = (s: PitchSettings): number => s.semitones + s.cents / 100;

/** "A minor" shifted by ``semitones`` (rounded to the nearest semitone): "C minor" for +3. */
export function transposeKey(key: string | null | undefined, semitones: number): string | null {
  const match = /^([A-G][b#]?)\s+(major|minor)$/.exec(key ?? "");
  if (!match) return null;
  const tonic = NAMES.indexOf(match[1]) >= 0 ? NAMES.indexOf(match[1]) : ALIASES[match[1]];
  if (tonic === undefined) return null;
  return `${NAMES[(((tonic + Math.round(semitones)) % 12) + 12) % 12]} ${match[2]}`;
}

export const scaledBpm = (bpm: number | null | undefined, tempo: number): number | null =>
  bpm ? Math.round(bpm * tempo * 10) / 10 : null;

export function formatTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** Render duration covered by ``segments`` HLS segments (five of 0.5 s, then 2 s each: docs/renders.md). */
export function renderedSeconds(segments: number): number {
  return segments <= 5 ? segments * 0.5 : 2.5 + (segments - 5) * 2;
}
