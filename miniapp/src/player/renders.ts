// The renders API as the player needs it: request, follow progress (SSE over fetch, so the
// Authorization header goes along), and map positions between the original and the render.
import { api, consistencyHeaders } from "../api/http";
import { authHeaders } from "../api/auth";
import type { Render, RenderPosition, RenderRequested } from "../api/types";
import { type PitchSettings, shiftSemitones } from "../music";

export function requestRender(trackId: string, s: PitchSettings): Promise<RenderRequested> {
  return api<RenderRequested>(`/v1/tracks/${encodeURIComponent(trackId)}/renders`, {
    method: "POST",
    body: { pitch_cents: Math.round(shiftSemitones(s) * 100), tempo: s.tempo, formant: s.formant, quality: "high", format: "aac-hls" },
  });
}

/** Follow a render's SSE stream until ``until`` accepts a frame (or it is ready/failed); the last frame.
 * It carries the request's consistency token: on the Kafka runtime the render's read model may not
 * know the render yet when the request answers. */
export async function follow(eventsUrl: string, onFrame: (r: Render) => void, until: (r: Render) => boolean, signal: AbortSignal): Promise<Render> {
  const response = await fetch(eventsUrl, { headers: { ...authHeaders(), ...consistencyHeaders(), Accept: "text/event-stream" }, signal });
  if (!response.ok || !response.body) throw new Error(`render events: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let last: Render | null = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = frame.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      if (!data) continue;
      last = JSON.parse(data) as Render;
      onFrame(last);
      if (until(last) || last.status === "ready" || last.status === "failed") {
        await reader.cancel().catch(() => undefined);
        return last;
      }
    }
  }
  if (!last) throw new Error("render events ended without a frame");
  return last;
}

export function renderPosition(assetKey: string, originalS: number): Promise<RenderPosition> {
  return api<RenderPosition>(`/v1/renders/${assetKey}/positions`, { query: { original_s: Math.max(0, originalS) } });
}

export function originalPosition(assetKey: string, renderS: number): Promise<RenderPosition> {
  return api<RenderPosition>(`/v1/renders/${assetKey}/positions`, { query: { render_s: Math.max(0, renderS) } });
}
