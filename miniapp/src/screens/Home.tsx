import { Icon } from "../ui/icons";
import { useState } from "preact/hooks";
import { createPlaylist, myPlaylists, recentTracks, track } from "../api/catalog";
import type { Track } from "../api/types";
import { formatTime } from "../music";
import { navigate } from "../router";
import { entryOf, player } from "../player/player";
import { continueListening, type PlayedTrack, recentlyPlayed } from "../player/queue";
import { Banner, coverOf, messageOf, TrackRow, useLoad } from "../ui/components";

/** Tracks of the listening history with their details (tracks gone or made private are left out). */
async function withTracks(rows: PlayedTrack[]): Promise<{ row: PlayedTrack; track: Track }[]> {
  const found = await Promise.all(rows.map(async (row) => ({ row, track: await track(row.track_id).catch(() => null) })));
  return found.filter((f): f is { row: PlayedTrack; track: Track } => f.track !== null);
}

export function Home() {
  const recent = useLoad(() => recentTracks(), []);
  const mine = useLoad(() => myPlaylists(), []);
  const played = useLoad(async () => withTracks((await recentlyPlayed()).data), []);
  const resume = useLoad(async () => withTracks((await continueListening()).data), []);
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
      {resume.data && resume.data.length > 0 && (
        <section aria-labelledby="continue-h"><h2 id="continue-h">Continue listening</h2>
          <ul class="list">{resume.data.map(({ row, track: t }) => (
            <TrackRow key={t.track_id} cover={coverOf(t)} title={t.title} sub={`${t.artists.join(", ")} · at ${formatTime((row.position_ms ?? 0) / 1000)}`}
              openLabel={`Continue ${t.title}`} onOpen={() => void player.playQueue([entryOf(t)], 0, "continue", (row.position_ms ?? 0) / 1000)} />))}</ul>
        </section>)}
      {played.data && played.data.length > 0 && (
        <section aria-labelledby="played-h"><h2 id="played-h">Recently played</h2>
          <ul class="list">{played.data.slice(0, 5).map(({ track: t }, i, all) => (
            <TrackRow key={t.track_id} cover={coverOf(t)} title={t.title} sub={t.artists.join(", ")} openLabel={`Play ${t.title}`}
              onOpen={() => void player.playQueue(all.map((f) => entryOf(f.track)), i, "recent")} />))}</ul>
        </section>)}
      <section aria-labelledby="added-h"><h2 id="added-h">Recently added</h2>
        <Banner message={recent.error} onRetry={recent.reload} />
        {recent.loading && !recent.data && <p class="hint">Loading…</p>}
        <ul class="list">{recent.data?.data.map((t, i, all) => (
          <TrackRow key={t.track_id} cover={coverOf(t)} title={t.title} sub={t.artists.join(", ")} durationMs={t.duration_ms}
            openLabel={`Play ${t.title}`} onOpen={() => void player.playQueue(all.map(entryOf), i, "recently-added")}>
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
