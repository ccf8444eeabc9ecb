import { Icon } from "./ui/icons";
import { useEffect, useState } from "preact/hooks";
import { onReachability } from "./api/http";
import { back, navigate, route, type Route } from "./router";
import { player } from "./player/player";
import { useStore } from "./store";
import { backButton, inTelegram } from "./telegram";
import { Banner } from "./ui/components";
import { AlbumView, ArtistView } from "./screens/Collection";
import { Home } from "./screens/Home";
import { NowPlaying } from "./screens/NowPlaying";
import { PlaylistView } from "./screens/PlaylistView";
import { QueueView } from "./screens/QueueView";
import { Search } from "./screens/Search";
import { TrackView } from "./screens/TrackView";
import { Upload } from "./screens/Upload";

const TITLES: Record<Route["name"], string> = {
  home: "tuneTON", search: "Search", track: "Track", playlist: "Playlist", now: "Now playing", queue: "Queue", upload: "Upload",
  album: "Album", artist: "Artist",
};
const TABS: [string, Route["name"], string][] = [["/", "home", "Home"], ["/search", "search", "Search"], ["/queue", "queue", "Queue"], ["/upload", "upload", "Upload"]];

function Screen({ r }: { r: Route }) {
  switch (r.name) {
    case "search": return <Search addTo={r.addTo} />;
    case "track": return <TrackView id={r.id} />;
    case "playlist": return <PlaylistView id={r.id} />;
    case "album": return <AlbumView album={r.album} />;
    case "artist": return <ArtistView artist={r.artist} />;
    case "now": return <NowPlaying />;
    case "queue": return <QueueView />;
    case "upload": return <Upload />;
    default: return <Home />;
  }
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const up = () => setOnline(true), down = () => setOnline(false);
    window.addEventListener("online", up);
    window.addEventListener("offline", down);
    const off = onReachability(setOnline);
    return () => { window.removeEventListener("online", up); window.removeEventListener("offline", down); off(); };
  }, []);
  return online;
}

export function App() {
  const { route: r } = useStore(route);
  const online = useOnline();
  const p = useStore(player.state);
  const isHome = r.name === "home";
  useEffect(() => backButton(isHome ? null : back), [isHome]);
  useEffect(() => { document.title = `${TITLES[r.name]} · tuneTON`; }, [r.name]);
  return (
    <>
      <header class="bar">
        {!isHome && !inTelegram() && <button class="icon" aria-label="Back" onClick={back}><Icon name="back" /></button>}
        <h1>{TITLES[r.name]}</h1>
      </header>
      {!online && <Banner message="You are offline or tuneTON is unreachable. What you see may be out of date." />}
      <main><Screen r={r} /></main>
      {p.track && r.name !== "now" && (
        <div class="mini" role="region" aria-label="Player">
          <button class="link row" style="flex:1;background:none;min-width:0" title="Open now playing" data-testid="open-now" onClick={() => navigate("/now")}>
            <span class="meta"><div class="title">{p.track.title}</div><div class="sub">{p.track.artists.join(", ")}</div></span>
          </button>
          <button class="icon" aria-label={p.playing ? "Pause" : "Play"} onClick={() => void player.toggle()}><Icon name={p.playing ? "pause" : "play"} /></button>
          <button class="icon" aria-label="Next track" onClick={() => void player.next(false)}><Icon name="next" /></button>
        </div>)}
      <nav class="tabs" aria-label="Sections">
        {TABS.map(([path, name, label]) => (
          <button aria-current={r.name === name ? "page" : undefined} onClick={() => navigate(path)}>{label}</button>))}
        {p.track && <button aria-current={r.name === "now" ? "page" : undefined} onClick={() => navigate("/now")}>Playing</button>}
      </nav>
    </>
  );
}
