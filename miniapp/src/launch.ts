// Launch parameters: Telegram's own (window.Telegram.WebApp), or the same `tgWebApp*` keys in the URL
// hash outside Telegram (what `tuneton dev-login` prints). Kept in sessionStorage, so in-app
// navigation and reloads that drop the hash still know who signed in.

export interface Launch { initData: string; startParam: string | null; platform: string; inTelegram: boolean }

const KEY = "tuneton.launch";

/** Launch parameters from the hash (Telegram's launch-params convention), or null if it has none. */
export function fromHash(hash: string): Omit<Launch, "inTelegram"> | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const initData = params.get("tgWebAppData");
  if (!initData) return null;
  const startParam = params.get("tgWebAppStartParam") ?? new URLSearchParams(initData).get("start_param");
  return { initData, startParam, platform: params.get("tgWebAppPlatform") ?? "unknown" };
}

export function readLaunch(webApp: TelegramWebApp | null): Launch | null {
  if (webApp && webApp.initData) {
    return { initData: webApp.initData, startParam: webApp.initDataUnsafe?.start_param ?? null,
             platform: webApp.platform ?? "unknown", inTelegram: true };
  }
  const hashed = fromHash(location.hash);
  if (hashed) {
    sessionStorage.setItem(KEY, JSON.stringify(hashed));
    history.replaceState(history.state, "", location.pathname + location.search);
    return { ...hashed, inTelegram: false };
  }
  const stored = sessionStorage.getItem(KEY);
  return stored ? { ...(JSON.parse(stored) as Omit<Launch, "inTelegram">), startParam: null, inTelegram: false } : null;
}

/** The screen a `startapp` parameter opens: `playlist_<id>` and `track_<id>`. */
export function routeOfStartParam(param: string | null): string | null {
  const match = /^(playlist|track)_([A-Za-z0-9-]{1,60})$/.exec(param ?? "");
  return match ? `/${match[1]}/${match[2]}` : null;
}
