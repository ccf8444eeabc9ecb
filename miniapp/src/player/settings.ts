// Per-track pitch/tempo settings, remembered across sessions (Telegram CloudStorage or localStorage).
import { clampSettings, NEUTRAL, type PitchSettings } from "../music";
import { storage } from "../telegram";

// CloudStorage keys: 1-128 characters of A-Z a-z 0-9 _ -.
const key = (trackId: string) => `pt_${trackId.replace(/[^A-Za-z0-9_-]/g, "").slice(0, 100)}`;

export async function loadSettings(trackId: string): Promise<PitchSettings> {
  const raw = await storage.get(key(trackId)).catch(() => null);
  if (!raw) return NEUTRAL;
  try { return clampSettings({ ...NEUTRAL, ...(JSON.parse(raw) as Partial<PitchSettings>) }); } catch { return NEUTRAL; }
}

export function saveSettings(trackId: string, s: PitchSettings): Promise<void> {
  return storage.set(key(trackId), JSON.stringify(s));
}
