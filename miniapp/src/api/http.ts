// One fetch wrapper for the whole app: auth headers, read-your-writes tokens, human errors.
import { ApiError, humanMessage, UNREACHABLE } from "./errors";
import { authHeaders, recoverFromExpiry } from "./auth";
import { TokenBook, type Written } from "./tokens";

type Query = Record<string, string | number | boolean | null | undefined>;
interface Options { method?: string; body?: unknown; query?: Query; signal?: AbortSignal; headers?: Record<string, string> }

/** The consistency token reads send, so they see our own writes (``TokenBook``: newest per aggregate). */
const tokens = new TokenBook();
const listeners = new Set<(online: boolean) => void>();
let online = true;
let started = 0;
let reported = 0;

export function rememberToken(token: string | null | undefined): void { tokens.remember({ consistency_token: token }); }
export function consistencyHeaders(): Record<string, string> { return tokens.token ? { "X-Consistency-Token": tokens.token } : {}; }

/** Subscribe to reachability changes (a failed fetch marks offline, the next success online again). */
export function onReachability(listener: (online: boolean) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
/** Reachability as the newest request found it: an older request that answers late does not overrule it. */
function setOnline(value: boolean, call: number): void {
  if (call < reported) return;
  reported = call;
  if (online === value) return;
  online = value;
  listeners.forEach((l) => l(value));
}

export function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** Call the API; resolves to the parsed JSON body, rejects with an ``ApiError`` carrying a human message. */
export async function api<T>(path: string, opts: Options = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { ...authHeaders(), ...(opts.method ? {} : consistencyHeaders()), ...opts.headers };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(opts.body);
  }
  let response: Response;
  const call = ++started;
  try {
    response = await fetch(url(path, opts.query), { method: opts.method ?? "GET", headers, body, signal: opts.signal });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    setOnline(false, call);
    throw new ApiError(0, "unreachable", UNREACHABLE);
  }
  setOnline(true, call);
  const data: unknown = await response.json().catch(() => null);
  if (response.ok) {
    tokens.remember(data as Written | null);
    return data as T;
  }
  const { reason, message } = humanMessage(response.status, data);
  if (response.status === 401 && !retried && (await recoverFromExpiry(reason))) return api<T>(path, opts, true);
  throw new ApiError(response.status, reason, message);
}
