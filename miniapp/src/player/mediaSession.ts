// Lock-screen and headset controls where the webview exposes the Media Session API.
import type { Track } from "../api/types";

export interface Controls { play(): void; pause(): void; next(): void; previous(): void; seek(s: number): void }

export function setMetadata(track: Track): void {
  if (!("mediaSession" in navigator)) return;
  const artwork = track.covers.filter((c) => c.format === "jpeg")
    .map((c) => ({ src: new URL(c.url, location.href).href, sizes: `${c.size}x${c.size}`, type: c.mime_type }));
  navigator.mediaSession.metadata = new MediaMetadata({ title: track.title, artist: track.artists.join(", "), album: track.album ?? "", artwork });
}

export function bindControls(c: Controls): void {
  if (!("mediaSession" in navigator)) return;
  const handlers: [MediaSessionAction, MediaSessionActionHandler][] = [
    ["play", () => c.play()], ["pause", () => c.pause()], ["nexttrack", () => c.next()], ["previoustrack", () => c.previous()],
    ["seekto", (d) => { if (d.seekTime !== undefined) c.seek(d.seekTime); }],
  ];
  for (const [action, handler] of handlers) {
    try { navigator.mediaSession.setActionHandler(action, handler); } catch { /* action unsupported here */ }
  }
}

export function setPosition(position: number, duration: number, rate: number, playing: boolean): void {
  if (!("mediaSession" in navigator)) return;
  navigator.mediaSession.playbackState = playing ? "playing" : "paused";
  if (!Number.isFinite(duration) || duration <= 0) return;
  try { navigator.mediaSession.setPositionState({ duration, position: Math.min(position, duration), playbackRate: rate }); } catch { /* ignore */ }
}
