import { Icon } from "../ui/icons";
import { useEffect, useRef, useState } from "preact/hooks";
import { addToPlaylist, search } from "../api/catalog";
import type { SearchHit } from "../api/types";
import { entryOf, player } from "../player/player";
import { navigate } from "../router";
import { haptic } from "../telegram";
import { Banner, Highlight, messageOf, TrackRow } from "../ui/components";

/** Search as you type (debounced, earlier requests aborted); with ``addTo`` each hit can join that playlist. */
export function Search({ addTo }: { addTo: string | null }) {
  const [q, setQ] = useState("");
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [added, setAdded] = useState<Set<string>>(new Set());
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    const abort = new AbortController();
    const timer = setTimeout(() => {
      search(q, abort.signal).then((r) => { setHits(r.data); setError(null); },
        (e: unknown) => { if ((e as Error).name !== "AbortError") setError(messageOf(e)); });
    }, 120);
    return () => { clearTimeout(timer); abort.abort(); };
  }, [q]);
  const add = async (hit: SearchHit) => {
    if (!addTo) return;
    try {
      await addToPlaylist(addTo, hit.track_id);
      setAdded((before) => new Set(before).add(hit.track_id));  // adds answer in any order, each after a wait
      haptic("success");
    }
    catch (e) { setError(messageOf(e)); }
  };
  return (
    <>
      <label class="sr" for="q">Search tracks, artists, albums</label>
      <input id="q" ref={input} type="search" placeholder="Search tracks, artists, albums" value={q} autoComplete="off"
        onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
      {addTo && <p class="hint">Adding to the playlist. <button onClick={() => navigate(`/playlist/${addTo}`)}>Done</button></p>}
      <Banner message={error} />
      <ul class="list" aria-live="polite">{hits?.map((h, i) => (
        <TrackRow key={h.track_id} cover={h.cover_url} durationMs={h.duration_ms} openLabel={`Play ${h.title}`}
          title={<Highlight text={h.title} spans={h.highlights.title} />}
          sub={h.artists.map((a, n) => <>{n > 0 && ", "}<Highlight text={a} spans={h.highlights.artists[n] ?? []} /></>)}
          onOpen={() => void player.playQueue(hits.map(entryOf), i, "search")}>
          {addTo ? <button class="icon" aria-label={`Add ${h.title} to the playlist`} disabled={added.has(h.track_id)} onClick={() => void add(h)}><Icon name={added.has(h.track_id) ? "check" : "plus"} /></button>
            : <button class="icon" aria-label={`Details of ${h.title}`} onClick={() => navigate(`/track/${h.track_id}`)}><Icon name="info" /></button>}
        </TrackRow>))}</ul>
      {hits && hits.length === 0 && <p class="hint">Nothing found for “{q}”.</p>}
    </>
  );
}
