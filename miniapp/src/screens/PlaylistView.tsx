import { Icon } from "../ui/icons";
import { useEffect, useRef, useState } from "preact/hooks";
import { moveItem, playlist, removeItem, renamePlaylist, setVisibility, shareLinkOf, track } from "../api/catalog";
import { user } from "../api/auth";
import type { Playlist, Track, Visibility } from "../api/types";
import { entryOf, player } from "../player/player";
import { afterItem } from "../player/queue";
import { navigate } from "../router";
import { haptic, shareLink } from "../telegram";
import { Banner, coverOf, messageOf, TrackRow, useLoad } from "../ui/components";

export function PlaylistView({ id }: { id: string }) {
  const p = useLoad(() => playlist(id), [id]);
  const [tracks, setTracks] = useState<Record<string, Track>>({});
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [link, setLink] = useState<string | null>(null);
  const [drag, setDrag] = useState<{ from: number; over: number } | null>(null);
  const list = useRef<HTMLUListElement>(null);
  useEffect(() => {
    p.data?.items.forEach((it) => { if (!tracks[it.track_id]) void track(it.track_id).then((t) => setTracks((m) => ({ ...m, [t.track_id]: t })), () => undefined); });
  }, [p.data]);
  if (p.error) return <Banner message={p.error} onRetry={p.reload} />;
  if (!p.data) return <p class="hint">Loading…</p>;
  const pl: Playlist = p.data;
  const mine = user()?.user_id === pl.owner_id;
  const act = async (work: () => Promise<unknown>) => {
    try { await work(); setError(null); p.reload(); } catch (e) { setError(messageOf(e)); haptic("error"); }
  };
  /** Move item ``from`` to index ``to``: the API takes "after which item" (null = top). */
  const move = (from: number, to: number) => {
    if (to < 0 || to >= pl.items.length || to === from) return;
    const after = afterItem(pl.items.map((it) => it.item_id), from, to);
    void act(() => moveItem(pl.playlist_id, pl.items[from].item_id, after));
  };
  const rowAt = (y: number) => {
    const rows = Array.from(list.current?.children ?? []);
    const i = rows.findIndex((r) => y < r.getBoundingClientRect().bottom);
    return i < 0 ? rows.length - 1 : i;
  };
  const entries = pl.items.map((it) => tracks[it.track_id]).filter(Boolean).map(entryOf);
  return (
    <>
      {editing !== null ? (
        <form class="actions" onSubmit={(e) => { e.preventDefault(); void act(() => renamePlaylist(pl.playlist_id, editing)).then(() => setEditing(null)); }}>
          <label class="sr" for="pl-name">Playlist name</label>
          <input id="pl-name" type="text" value={editing} maxLength={200} onInput={(e) => setEditing((e.target as HTMLInputElement).value)} />
          <button class="primary" type="submit" disabled={!editing.trim()}>Save name</button>
        </form>
      ) : <h2>{pl.name}</h2>}
      <p class="hint">{pl.item_count} tracks · {pl.visibility}</p>
      <Banner message={error} />
      <div class="actions">
        <button class="primary" disabled={entries.length === 0} onClick={() => void player.playQueue(entries, 0, `playlist:${pl.playlist_id}`)}>Play all</button>
        {mine && <button onClick={() => setEditing(pl.name)}>Rename</button>}
        {mine && <button onClick={() => navigate(`/search?add=${pl.playlist_id}`)}>Add tracks</button>}
        <button onClick={() => void shareLinkOf(pl.playlist_id).then((l) => { setLink(l); shareLink(l, pl.name); })}>Share</button>
      </div>
      {mine && (
        <div class="actions">
          <label class="field" for="vis">Who can open it</label>
          <select id="vis" value={pl.visibility} onChange={(e) => void act(() => setVisibility(pl.playlist_id, (e.target as HTMLSelectElement).value as Visibility))}>
            <option value="private">Only me</option><option value="unlisted">Anyone with the link</option><option value="public">Everybody</option>
          </select>
        </div>)}
      {link && <p class="share">Share link: <a href={link} data-testid="share-link">{link}</a></p>}
      {link && pl.visibility === "private" && <p class="hint">Only you can open it while it is private: choose “Anyone with the link”.</p>}
      <ul class="list" ref={list}>{pl.items.map((it, i) => {
        const t = tracks[it.track_id];
        const cls = drag && drag.over === i ? "dragging" : "";
        return (
          <TrackRow key={it.item_id} cover={t ? coverOf(t) : null} title={t?.title ?? "…"} sub={t?.artists.join(", ") ?? ""}
            durationMs={t?.duration_ms} openLabel={`Play ${t?.title ?? "track"}`} current={cls !== "" || undefined}
            onOpen={() => void player.playQueue(entries, entries.findIndex((e) => e.track_id === it.track_id), `playlist:${pl.playlist_id}`)}>
            {mine && <>
              <button class="icon" aria-label={`Move ${t?.title ?? "track"} up`} disabled={i === 0} onClick={() => move(i, i - 1)}><Icon name="up" /></button>
              <button class="icon" aria-label={`Move ${t?.title ?? "track"} down`} disabled={i === pl.items.length - 1} onClick={() => move(i, i + 1)}><Icon name="down" /></button>
              <button class="icon handle" aria-label={`Drag to reorder ${t?.title ?? "track"}`} data-testid="drag-handle"
                onPointerDown={(e) => { (e.target as Element).setPointerCapture(e.pointerId); setDrag({ from: i, over: i }); }}
                onPointerMove={(e) => { if (drag) setDrag({ ...drag, over: rowAt(e.clientY) }); }}
                onPointerUp={() => { if (drag) move(drag.from, drag.over); setDrag(null); }}
                onPointerCancel={() => setDrag(null)}><Icon name="drag" /></button>
              <button class="icon danger" aria-label={`Remove ${t?.title ?? "track"}`} onClick={() => void act(() => removeItem(pl.playlist_id, it.item_id))}><Icon name="remove" /></button>
            </>}
          </TrackRow>);
      })}</ul>
      {pl.items.length === 0 && <p class="hint">This playlist is empty.</p>}
    </>
  );
}
