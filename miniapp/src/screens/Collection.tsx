// Album and artist views: the catalog browsed by album (in disc/track order) or by artist (by album),
// `GET /v1/tracks?album=|artist=`; played as a queue like any track list.
import { albumTracks, artistTracks } from "../api/catalog";
import type { JSX } from "preact";
import type { Track, Tracks } from "../api/types";
import { entryOf, player } from "../player/player";
import { navigate } from "../router";
import { Banner, coverOf, TrackRow, useLoad } from "../ui/components";

export const albumPath = (album: string) => `/album/${encodeURIComponent(album)}`;
export const artistPath = (artist: string) => `/artist/${encodeURIComponent(artist)}`;

/** Names as links inside the app (real hrefs, so they can be opened and read as links). */
export function Links({ names, path }: { names: string[]; path: (name: string) => string }) {
  return <>{names.map((name, n) => <>{n > 0 && ", "}<a href={path(name)}
    onClick={(e) => { e.preventDefault(); navigate(path(name)); }}>{name}</a></>)}</>;
}

function Tracks({ tracks, source, showAlbum }: { tracks: Track[]; source: string; showAlbum: boolean }) {
  const play = (i: number) => void player.playQueue(tracks.map(entryOf), i, source);
  return (
    <>
      <p class="hint">{tracks.length} {tracks.length === 1 ? "track" : "tracks"}</p>
      <div class="actions"><button class="primary" disabled={tracks.length === 0} onClick={() => play(0)}>Play all</button></div>
      <ul class="list">{tracks.map((t, i) => (
        <TrackRow key={t.track_id} cover={coverOf(t)} title={t.title} durationMs={t.duration_ms} openLabel={`Play ${t.title}`}
          sub={showAlbum && t.album ? `${t.artists.join(", ")} · ${t.album}` : t.artists.join(", ")} onOpen={() => play(i)} />))}</ul>
    </>
  );
}

/** A browse listing loaded for ``name`` (loading and errors shown here); ``show`` renders its tracks. */
function Browsed({ load, name, show }: { load: (name: string) => Promise<Tracks>; name: string; show: (tracks: Track[]) => JSX.Element }) {
  const found = useLoad(() => load(name), [name]);
  if (found.error) return <Banner message={found.error} onRetry={found.reload} />;
  if (!found.data) return <p class="hint">Loading…</p>;
  return show(found.data.data);
}

export function AlbumView({ album }: { album: string }) {
  return <Browsed load={albumTracks} name={album} show={(tracks) => <Album album={album} tracks={tracks} />} />;
}

export function ArtistView({ artist }: { artist: string }) {
  return <Browsed load={artistTracks} name={artist} show={(tracks) => <Artist artist={artist} tracks={tracks} />} />;
}

function Album({ album, tracks }: { album: string; tracks: Track[] }) {
  const year = tracks.find((t) => t.year)?.year;
  return (
    <>
      <h2>{album}</h2>
      <p class="artists"><Links names={[...new Set(tracks.flatMap((t) => t.artists))]} path={artistPath} />{year ? ` · ${year}` : ""}</p>
      <Tracks tracks={tracks} source={`album:${album}`} showAlbum={false} />
    </>
  );
}

function Artist({ artist, tracks }: { artist: string; tracks: Track[] }) {
  const albums = [...new Set(tracks.map((t) => t.album).filter((a): a is string => Boolean(a)))];
  return (
    <>
      <h2>{artist}</h2>
      {albums.length > 0 && (
        <section aria-labelledby="albums-h"><h3 id="albums-h">Albums</h3>
          <ul class="list">{albums.map((a) => {
            const first = tracks.find((t) => t.album === a);
            return <TrackRow key={a} cover={first ? coverOf(first) : null} title={a} sub={first?.year ? String(first.year) : ""}
              openLabel={`Open album ${a}`} onOpen={() => navigate(albumPath(a))} />;
          })}</ul>
        </section>)}
      <section aria-labelledby="tracks-h"><h3 id="tracks-h">Tracks</h3>
        <Tracks tracks={tracks} source={`artist:${artist}`} showAlbum />
      </section>
    </>
  );
}
