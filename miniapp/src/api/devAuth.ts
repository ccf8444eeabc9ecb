// DEVELOPMENT FALLBACK — delete once the server's Telegram sign-in (/v1/auth/session) is merged.
//
// While the embedded server has no auth endpoints it trusts the `X-Tuneton-User` header
// (TUNETON_DEV_AUTH). This reads the Telegram user id out of the (unverified) initData and sends it
// as that header, so the app can be developed and tested end to end before real sign-in exists.
import type { User } from "./types";

export async function devSignIn(initData: string): Promise<{ headers: Record<string, string>; user: User }> {
  const raw = new URLSearchParams(initData).get("user");
  const tg = raw ? (JSON.parse(raw) as { id: number; first_name?: string; last_name?: string; username?: string; language_code?: string }) : null;
  const userId = tg ? String(tg.id) : "dev";
  const displayName = tg ? [tg.first_name, tg.last_name].filter(Boolean).join(" ") || `User ${userId}` : "Developer";
  const headers = { "X-Tuneton-User": userId };
  await fetch("/v1/users/me", {
    method: "PUT",
    headers: { ...headers, "Content-Type": "application/json" },
    body: JSON.stringify({ display_name: displayName, username: tg?.username ?? null, language_code: tg?.language_code ?? null }),
  }).catch(() => undefined);
  return {
    headers,
    user: { user_id: userId, display_name: displayName, username: tg?.username ?? null, photo_url: null,
            language_code: tg?.language_code ?? null, is_premium: false },
  };
}
