// Everything Telegram-specific behind one small facade; outside Telegram each call degrades to the
// browser equivalent (prefers-color-scheme, an in-page back button, localStorage).

const SCRIPT = "https://telegram.org/js/telegram-web-app.js";
let app: TelegramWebApp | null = null;

/** True when the page runs in a Telegram client (a webview proxy, or Telegram Web's iframe). */
function insideTelegram(): boolean {
  return "TelegramWebviewProxy" in window || window.parent !== window;
}

/** The WebApp object: already present (tests inject one), loaded from Telegram when inside it, or null. */
export async function connect(): Promise<TelegramWebApp | null> {
  if (!window.Telegram?.WebApp && insideTelegram()) await loadScript(SCRIPT, 4000).catch(() => undefined);
  const found = window.Telegram?.WebApp;
  app = found && found.initData ? found : null;
  if (app) {
    app.ready();
    app.expand();
    applyTheme();
    app.onEvent("themeChanged", applyTheme);
    app.onEvent("safeAreaChanged", applyInsets);
    app.onEvent("contentSafeAreaChanged", applyInsets);
    applyInsets();
  }
  return app;
}

function loadScript(src: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const el = document.createElement("script");
    el.src = src;
    el.onload = () => resolve();
    el.onerror = () => reject(new Error("telegram script"));
    setTimeout(() => reject(new Error("telegram script timeout")), timeoutMs);
    document.head.append(el);
  });
}

export const inTelegram = (): boolean => app !== null;

/** Map themeParams onto the CSS variables the stylesheet uses; the scheme picks the fallbacks. */
function applyTheme(): void {
  if (!app) return;
  const root = document.documentElement;
  root.dataset.theme = app.colorScheme ?? "light";
  const params = app.themeParams ?? {};
  for (const [name, value] of Object.entries(params)) {
    if (value) root.style.setProperty(`--tg-${name.replace(/_/g, "-")}`, value);
  }
}

function applyInsets(): void {
  if (!app) return;
  const root = document.documentElement.style;
  const sides = ["top", "bottom", "left", "right"] as const;
  for (const side of sides) {
    root.setProperty(`--safe-${side}`, `${app.safeAreaInset?.[side] ?? 0}px`);
    root.setProperty(`--content-safe-${side}`, `${app.contentSafeAreaInset?.[side] ?? 0}px`);
  }
}

/** Show Telegram's BackButton calling ``onBack``; returns the cleanup. No-op outside Telegram. */
export function backButton(onBack: (() => void) | null): () => void {
  const button = app?.BackButton;
  if (!button) return () => undefined;
  if (!onBack) { button.hide(); return () => undefined; }
  button.onClick(onBack);
  button.show();
  return () => { button.offClick(onBack); button.hide(); };
}

/** Telegram's MainButton as the screen's primary action; false outside Telegram (render a button). */
export function mainButton(text: string, onClick: () => void, active = true): (() => void) | false {
  const button = app?.MainButton;
  if (!button) return false;
  button.setParams?.({ text, is_active: active, is_visible: true });
  button.onClick(onClick);
  button.show();
  return () => { button.offClick(onClick); button.hide(); };
}

export function haptic(kind: "tick" | "success" | "error"): void {
  const h = app?.HapticFeedback;
  if (!h) return;
  if (kind === "tick") h.selectionChanged();
  else h.notificationOccurred(kind);
}

/** Scrubbing must not close the Mini App: vertical swipes are off while a finger is on the scrubber. */
export function verticalSwipes(enabled: boolean): void {
  if (enabled) app?.enableVerticalSwipes?.();
  else app?.disableVerticalSwipes?.();
}

/** Share a link: Telegram's share sheet inside Telegram, the Web Share API or nothing outside. */
export function shareLink(link: string, text: string): void {
  const share = `https://t.me/share/url?url=${encodeURIComponent(link)}&text=${encodeURIComponent(text)}`;
  if (app?.openTelegramLink) app.openTelegramLink(share);
  else if (navigator.share) void navigator.share({ url: link, text }).catch(() => undefined);
}

/** Per-user key/value storage: Telegram CloudStorage inside Telegram (synced), localStorage outside. */
export const storage = {
  get(key: string): Promise<string | null> {
    const cloud = app?.CloudStorage;
    if (!cloud) return Promise.resolve(localStorage.getItem(key));
    return new Promise((resolve) => cloud.getItem(key, (error, value) => resolve(error ? null : value || null)));
  },
  set(key: string, value: string): Promise<void> {
    const cloud = app?.CloudStorage;
    if (!cloud) { localStorage.setItem(key, value); return Promise.resolve(); }
    return new Promise((resolve) => cloud.setItem(key, value, () => resolve()));
  },
};
