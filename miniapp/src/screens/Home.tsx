import { Icon } from "../ui/icons";
import { useState } from "preact/hooks";
import { createPlaylist, myPlaylists, recentTracks } from "../api/catalog";
import { navigate } from "../router";
import { entryOf, player, recentlyPlayed } from "../player/player";
import { Banner, coverOf, messageOf, TrackRow, useLoad } from "../ui/components";

export function Home() {
  const recent = useLoad(() => recentTracks(), []);
  const mine = useLoad(() => myPlaylists(), []);
  const played = recentlyPlayed();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const create = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    try {
      const made = await createPlaylist(name.trim());
      navigate(`/playlist/${made.aggregate_id}`);
    } catch (err) { setError(messageOf(err)); }
  };
  return (
    <>
      {played.length > 0 && (
        <section aria-labelledby="played-h"><h2 id="played-h">Recently played</h2>
          <ul class="list">{played.slice(0, 5).map((e, i) => (
            <TrackRow key={e.track_id} cover={null} title={e.title} sub={e.artists.join(", ")} openLabel={`Play ${e.title}`}
              onOpen={() => void player.playQueue(played, i)} />))}</ul>
        </section>)}
      <section aria-labelledby="added-h"><h2 id="added-h">Recently added</h2>
        <Banner message={recent.error} onRetry={recent.reload} />
        {recent.loading && !recent.data && <p class="hint">Loading…</p>}
        <ul class="list">{recent.data?.data.map((t, i, all) => (
          <TrackRow key={t.track_id} cover={coverOf(t)} title={t.title} sub={t.artists.join(", ")} durationMs={t.duration_ms}
            openLabel={`Play ${t.title}`} onOpen={() => void player.playQueue(all.map(entryOf), i)}>
            <button class="icon" aria-label={`Details of ${t.title}`} onClick={() => navigate(`/track/${t.track_id}`)}><Icon name="info" /></button>
          </TrackRow>))}</ul>
      </section>
      <section aria-labelledby="pl-h"><h2 id="pl-h">Your playlists</h2>
        <Banner message={mine.error ?? error} onRetry={mine.reload} />
        <ul class="list">{mine.data?.data.map((p) => (
          <TrackRow key={p.playlist_id} cover={null} title={p.name} sub={`${p.item_count} tracks · ${p.visibility}`}
            openLabel={`Open playlist ${p.name}`} onOpen={() => navigate(`/playlist/${p.playlist_id}`)} />))}</ul>
        {mine.data && mine.data.count === 0 && <p class="hint">No playlists yet.</p>}
        <form class="actions" onSubmit={create}>
          <label class="sr" for="new-pl">New playlist name</label>
          <input id="new-pl" type="text" placeholder="New playlist name" value={name} maxLength={200}
            onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button class="primary" type="submit" disabled={!name.trim()}>Create playlist</button>
        </form>
      </section>
    </>
  );
}
