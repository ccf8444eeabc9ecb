// Small shared pieces: covers, track rows, highlights, banners, the screen's main action, data hooks.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "../api/errors";
import type { Span, Track } from "../api/types";
import { formatTime } from "../music";
import { mainButton } from "../telegram";

export function Cover({ url, large = false, label }: { url: string | null | undefined; large?: boolean; label?: string }) {
  return url ? <img class={large ? "cover large" : "cover"} src={url} alt={label ?? ""} loading="lazy" width={large ? 320 : 48} height={large ? 320 : 48} />
    : <div class={large ? "cover large" : "cover"} role="img" aria-label={label ?? "No cover"} />;
}

export const coverOf = (t: Track, size = 96): string | null =>
  t.covers.find((c) => c.size === size && c.format === "jpeg")?.url ?? t.covers[0]?.url ?? null;

/** ``text`` with the ``[start, end)`` code-point spans the search matched in <mark>. */
export function Highlight({ text, spans }: { text: string; spans: Span[] }) {
  if (!spans.length) return <>{text}</>;
  const chars = Array.from(text);
  const parts: ComponentChildren[] = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start > at) parts.push(chars.slice(at, start).join(""));
    parts.push(<mark>{chars.slice(start, end).join("")}</mark>);
    at = end;
  }
  parts.push(chars.slice(at).join(""));
  return <>{parts}</>;
}

export interface RowProps {
  cover: string | null; title: ComponentChildren; sub: ComponentChildren; durationMs?: number | null;
  onOpen: () => void; openLabel: string; current?: boolean; children?: ComponentChildren;
}

export function TrackRow({ cover, title, sub, durationMs, onOpen, openLabel, current, children }: RowProps) {
  const hasSub = Array.isArray(sub) ? sub.length > 0 : Boolean(sub);
  return (
    <li class={current ? "row current" : "row"}>
      <button class="link" onClick={onOpen} title={openLabel} aria-current={current ? "true" : undefined}>
        <Cover url={cover} />
        <span class="meta"><div class="title">{title}</div><div class="sub">{sub}{hasSub && durationMs ? " · " : ""}{durationMs ? formatTime(durationMs / 1000) : ""}</div></span>
      </button>
      {children}
    </li>
  );
}

export function Banner({ message, info = false, onRetry }: { message: string | null; info?: boolean; onRetry?: () => void }) {
  if (!message) return null;
  return <div class={info ? "banner info" : "banner"} role={info ? "status" : "alert"}>{message} {onRetry && <button onClick={onRetry}>Try again</button>}</div>;
}

/** The screen's primary action: Telegram's MainButton inside Telegram, a page button outside. */
export function MainAction({ text, onClick, disabled = false }: { text: string; onClick: () => void; disabled?: boolean }) {
  const [native, setNative] = useState(false);
  useEffect(() => {
    const cleanup = mainButton(text, () => { if (!disabled) onClick(); }, !disabled);
    setNative(cleanup !== false);
    return cleanup || undefined;
  }, [text, disabled, onClick]);
  return native ? null : <button class="primary" onClick={onClick} disabled={disabled}>{text}</button>;
}

export interface Loaded<T> { data: T | null; error: string | null; loading: boolean; reload: () => void }

/** Load data for a screen; errors become the human message of the ``ApiError``. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then((data) => live && setState({ data, error: null, loading: false }),
      (e: unknown) => live && setState({ data: null, error: messageOf(e), loading: false }));
    return () => { live = false; };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const messageOf = (e: unknown): string => e instanceof ApiError ? e.message : "Something went wrong. Please try again.";
