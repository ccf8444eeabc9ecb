// Sign-in: exchange Telegram initData once for a bearer session, refresh it before it expires.
//
// The contract (POST /v1/auth/session with `Authorization: tma <initData>`, POST /v1/auth/refresh)
// is the server's; this module is the only place in the app that knows how requests authenticate.
import type { User } from "./types";
import { ApiError, humanMessage, UNREACHABLE } from "./errors";

interface Session { access_token: string; refresh_token: string; expires_at: number; user: User }
interface SessionAnswer { access_token: string; refresh_token: string; expires_in: number; user: User; consistency_token?: string | null }

const REFRESH_MARGIN_MS = 60_000;
let session: Session | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let currentUser: User | null = null;

export function user(): User | null { return currentUser; }

/** Headers every API call carries: the bearer token of the session, once signed in. */
export function authHeaders(): Record<string, string> {
  return session ? { Authorization: `Bearer ${session.access_token}` } : {};
}

async function post(path: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
  try {
    return await fetch(path, {
      method: "POST",
      headers: body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
}

async function failure(response: Response): Promise<ApiError> {
  const { reason, message } = humanMessage(response.status, await response.json().catch(() => null));
  return new ApiError(response.status, reason, message);
}

function adopt(answer: SessionAnswer): User {
  session = { ...answer, expires_at: Date.now() + answer.expires_in * 1000 };
  currentUser = answer.user;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => void refresh().catch(() => undefined),
    Math.max(5_000, answer.expires_in * 1000 - REFRESH_MARGIN_MS));
  return answer.user;
}

/** Exchange initData for a session (outside Telegram, `tuneton dev-login` prints initData for a dev user).
 * Resolves to the sign-in's consistency token (when it registered or updated the profile): the first
 * reads pass it on, since the Kafka runtime's read models apply the registration a moment later. */
export async function signIn(initData: string): Promise<string | null> {
  const response = await post("/v1/auth/session", { Authorization: `tma ${initData}` });
  if (!response.ok) throw await failure(response);
  const answer = (await response.json()) as SessionAnswer;
  adopt(answer);
  return answer.consistency_token ?? null;
}

/** Swap the refresh token for a new session (called before expiry, and on a 401 ``token_expired``). */
export async function refresh(): Promise<void> {
  if (!session) return;
  const response = await post("/v1/auth/refresh", {}, { refresh_token: session.refresh_token });
  if (!response.ok) throw await failure(response);
  adopt((await response.json()) as SessionAnswer);
}

/** After a 401: refresh once if the access token merely expired; true when the call may be retried. */
export async function recoverFromExpiry(reason: string | null): Promise<boolean> {
  if (reason !== "token_expired" || !session) return false;
  try {
    await refresh();
    return true;
  } catch {
    return false;
  }
}
