import { useState } from "preact/hooks";
import { addToPlaylist, myPlaylists, track } from "../api/catalog";
import { formatTime } from "../music";
import { entryOf, player } from "../player/player";
import { navigate } from "../router";
import { haptic } from "../telegram";
import { Banner, Cover, coverOf, messageOf, useLoad } from "../ui/components";
import { albumPath, artistPath, Links } from "./Collection";

export function TrackView({ id }: { id: string }) {
  const t = useLoad(() => track(id), [id]);
  const mine = useLoad(() => myPlaylists(), []);
  const [target, setTarget] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  if (t.error) return <Banner message={t.error} onRetry={t.reload} />;
  if (!t.data) return <p class="hint">Loading…</p>;
  const tr = t.data;
  const add = async () => {
    try { await addToPlaylist(target, tr.track_id); haptic("success"); setNotice("Added to the playlist."); }
    catch (e) { setNotice(messageOf(e)); }
  };
  return (
    <article class="now">
      <Cover url={coverOf(tr, 300)} large label={`Cover of ${tr.title}`} />
      <h2>{tr.title}</h2>
      <div class="artists"><Links names={tr.artists} path={artistPath} /></div>
      <dl class="keyline">
        {tr.album && <><dt>Album</dt><dd><Links names={[tr.album]} path={albumPath} />{tr.year ? ` (${tr.year})` : ""}</dd></>}
        <dt>Length</dt><dd>{formatTime(tr.duration_ms / 1000)}</dd>
        {tr.analysis && <><dt>Key</dt><dd>{tr.analysis.key}</dd><dt>Tempo</dt><dd>{Math.round(tr.analysis.bpm)} BPM</dd></>}
      </dl>
      <div class="actions">
        <button class="primary" onClick={() => { void player.playQueue([entryOf(tr)], 0, "track"); navigate("/now"); }}>Play</button>
        <button onClick={() => void player.queue.append(tr.track_id).then(() => setNotice("Added to the queue."), (e: unknown) => setNotice(messageOf(e)))}>Add to queue</button>
      </div>
      {mine.data && mine.data.count > 0 && (
        <div class="actions">
          <label class="sr" for="pl-pick">Playlist</label>
          <select id="pl-pick" value={target} onChange={(e) => setTarget((e.target as HTMLSelectElement).value)}>
            <option value="">Choose a playlist…</option>
            {mine.data.data.map((p) => <option value={p.playlist_id}>{p.name}</option>)}
          </select>
          <button disabled={!target} onClick={() => void add()}>Add to playlist</button>
        </div>)}
      <Banner message={notice} info />
    </article>
  );
}
