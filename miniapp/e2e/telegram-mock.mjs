// A stand-in for Telegram's WebApp object, injected before the app loads (no internet here, and the
// real telegram-web-app.js only works inside a Telegram client). It records what the app asks of
// Telegram so the tests can check BackButton, MainButton, haptics, swipes and share links.

export const LIGHT = { bg_color: "#ffffff", text_color: "#000000", hint_color: "#5e6670", link_color: "#1f6fd1",
  button_color: "#1f6fd1", button_text_color: "#ffffff", secondary_bg_color: "#f0f2f5" };
export const DARK = { bg_color: "#17212b", text_color: "#f5f5f5", hint_color: "#a0abb8", link_color: "#6ab3f3",
  button_color: "#2f6ea5", button_text_color: "#ffffff", secondary_bg_color: "#232e3c" };

/** The init script (runs in the page); ``opts`` = {initData, startParam, scheme}. */
export function installTelegramMock(opts) {
  const calls = [];
  const handlers = {};
  const cloud = {};
  const button = (name) => {
    const clicks = new Set();
    return {
      isVisible: false, text: "",
      show() { this.isVisible = true; calls.push(`${name}.show`); },
      hide() { this.isVisible = false; calls.push(`${name}.hide`); },
      onClick(cb) { clicks.add(cb); }, offClick(cb) { clicks.delete(cb); },
      setParams(p) { Object.assign(this, p); if (p.text) this.text = p.text; calls.push(`${name}.setParams`); },
      click() { clicks.forEach((cb) => cb()); },
    };
  };
  window.__tgCalls = calls;
  window.__tgEmit = (event, patch) => { Object.assign(window.Telegram.WebApp, patch || {}); (handlers[event] || []).forEach((cb) => cb()); };
  window.Telegram = { WebApp: {
    initData: opts.initData,
    initDataUnsafe: { start_param: opts.startParam || undefined },
    platform: "tdesktop", version: "8.0",
    colorScheme: opts.scheme, themeParams: opts.theme,
    safeAreaInset: { top: 0, bottom: 0, left: 0, right: 0 }, contentSafeAreaInset: { top: 0, bottom: 0, left: 0, right: 0 },
    ready() { calls.push("ready"); }, expand() { calls.push("expand"); },
    onEvent(name, cb) { (handlers[name] ||= []).push(cb); }, offEvent() {},
    disableVerticalSwipes() { calls.push("disableVerticalSwipes"); }, enableVerticalSwipes() { calls.push("enableVerticalSwipes"); },
    openTelegramLink(url) { calls.push(`openTelegramLink ${url}`); },
    BackButton: button("BackButton"), MainButton: button("MainButton"),
    HapticFeedback: { impactOccurred() { calls.push("haptic.impact"); }, selectionChanged() { calls.push("haptic.selection"); },
                      notificationOccurred(t) { calls.push(`haptic.${t}`); } },
    CloudStorage: { getItem(k, cb) { cb(null, cloud[k] ?? ""); }, setItem(k, v, cb) { cloud[k] = v; calls.push(`cloud.set ${k}`); cb && cb(null, true); } },
  } };
}
