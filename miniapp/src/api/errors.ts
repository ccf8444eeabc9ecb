// API failures as messages a listener can read: never raw JSON, never a status code alone.

const REASONS: Record<string, string> = {
  playlist_not_found: "This playlist does not exist any more.",
  track_not_found: "This track is not available.",
  item_not_found: "That entry is no longer in the playlist.",
  not_owner: "Only the playlist's owner can change it.",
  empty_file: "The file is empty.",
  truncated: "The file is cut short; try uploading it again.",
  not_audio: "This file is not audio we can play.",
  too_large: "The file is too large to upload.",
  invalid_parameter: "That pitch or tempo setting is out of range.",
  token_expired: "Your session expired; signing in again…",
};

const STATUS: Record<number, string> = {
  401: "Please open the app from Telegram again to sign in.",
  403: "You are not allowed to do that.",
  404: "Not found.",
  409: "Somebody changed this at the same time; please try again.",
  413: "The file is too large to upload.",
  422: "Some of the input was not accepted.",
  429: "Too many requests; wait a moment.",
  503: "The server is busy; please try again in a moment.",
  504: "The server took too long to answer; please try again.",
};

/** An API call that failed: ``message`` is for people, ``reason`` for code. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly reason: string | null, message: string) {
    super(message);
  }
  /** True when the server could not be reached at all (offline, or the server is down). */
  get unreachable(): boolean { return this.status === 0; }
}

/** A human message for a failed response, from its stable ``reason`` code or its status. */
export function humanMessage(status: number, body: unknown): { reason: string | null; message: string } {
  const reason = typeof body === "object" && body !== null && typeof (body as { reason?: unknown }).reason === "string"
    ? (body as { reason: string }).reason : null;
  if (reason && REASONS[reason]) return { reason, message: REASONS[reason] };
  if (STATUS[status]) return { reason, message: STATUS[status] };
  if (status >= 500) return { reason, message: "The server had a problem. Please try again." };
  return { reason, message: "Something went wrong. Please try again." };
}

export const UNREACHABLE = "Can't reach tuneTON. Check your connection; we'll keep trying.";
