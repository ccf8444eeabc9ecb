// Play an HLS render in an <audio> element: hls.js (loaded on first use) where Media Source
// Extensions exist (Android, desktop), the webview's native HLS otherwise (iOS WKWebView).
import { authHeaders } from "../api/auth";

export interface Attached { detach(): void }

export async function attachHls(el: HTMLAudioElement, src: string, startS: number): Promise<Attached> {
  const { default: Hls } = await import("hls.js/light");
  if (Hls.isSupported()) {
    const hls = new Hls({
      startPosition: startS,
      enableWorker: false,
      xhrSetup: (xhr, target) => {
        if (new URL(target, location.href).origin !== location.origin) return;
        for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
      },
    });
    hls.loadSource(src);
    hls.attachMedia(el);
    return { detach: () => { hls.destroy(); el.removeAttribute("src"); el.load(); } };
  }
  el.src = src;
  el.currentTime = startS;
  return { detach: () => { el.removeAttribute("src"); el.load(); } };
}
