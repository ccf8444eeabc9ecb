// Debian's Chromium driven by playwright-core (browser downloads cannot work here), with the flags this
// machine needs (docs in /work/.library/env/machines/polyglot.md) and autoplay allowed for audio tests.
import { chromium } from "playwright-core";
import { installTelegramMock } from "./telegram-mock.mjs";

export const BASE = process.env.BASE_URL ?? "http://127.0.0.1:8600";

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
  });
}

/** initData for the mock: the signed one pytest passes (INIT_DATA), or an unsigned one for dev-header mode. */
export function initData() {
  if (process.env.INIT_DATA) return process.env.INIT_DATA;
  const user = JSON.stringify({ id: 4242, first_name: "Ada", last_name: "Lovelace", username: "ada", language_code: "en" });
  return new URLSearchParams({ user, auth_date: String(Math.floor(Date.now() / 1000)), hash: "0".repeat(64) }).toString();
}

/** A 390×844 page inside the mocked Telegram; ``scheme`` picks light or dark themeParams. */
export async function telegramPage(browser, { scheme, theme, startParam = null }) {
  // The gateway's dev certificate is self-signed: trusted here, in the test's browser contexts only.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1,
    ignoreHTTPSErrors: BASE.startsWith("https:") });
  const page = await context.newPage();
  page.errors = [];
  page.on("pageerror", (e) => page.errors.push(e.message));
  await page.addInitScript(installTelegramMock, { initData: initData(), scheme, theme, startParam });
  return page;
}

export const state = (page) => page.evaluate(() => {
  const p = window.__tuneton.player;
  const s = p.state.get();
  return { mode: s.mode, title: s.track?.title ?? null, trackId: s.track?.track_id ?? null, position: p.position(),
           playing: p.playing(), mainTime: p.main.currentTime, rendTime: p.rend.currentTime, notice: s.notice };
});

export const metrics = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__tuneton.metrics)));

/** Poll ``check`` (an async predicate over the page) until it holds; fail with ``what`` after ``ms``. */
export async function until(page, what, check, ms = 15000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    last = await check();
    if (last) return last;
    await page.waitForTimeout(100);
  }
  const now = await state(page).catch(() => null);
  throw new Error(`timed out waiting for ${what}; player: ${JSON.stringify(now)}`);
}
