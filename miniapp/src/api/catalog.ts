// Catalog and playlist calls the screens make (one function per endpoint).
import { api } from "./http";
import type { CommandAccepted, Playlist, Playlists, SearchResults, Track, Tracks, Visibility } from "./types";

const tracks = new Map<string, Promise<Track>>();

/** A track by id, fetched once per page life (its URLs are immutable). */
export function track(id: string): Promise<Track> {
  let found = tracks.get(id);
  if (!found) {
    found = api<Track>(`/v1/tracks/${encodeURIComponent(id)}`);
    found.catch(() => tracks.delete(id));
    tracks.set(id, found);
  }
  return found;
}

export const recentTracks = (limit = 20) => api<Tracks>("/v1/tracks", { query: { limit } });
/** An album in disc/track order, and an artist's tracks by album (the catalog's browse filters). */
export const albumTracks = (album: string) => api<Tracks>("/v1/tracks", { query: { album, limit: 200 } });
export const artistTracks = (artist: string) => api<Tracks>("/v1/tracks", { query: { artist, limit: 200 } });
export const search = (q: string, signal: AbortSignal) => api<SearchResults>("/v1/search", { query: { q, limit: 30 }, signal });
export const myPlaylists = () => api<Playlists>("/v1/me/playlists");
export const playlist = (id: string) => api<Playlist>(`/v1/playlists/${encodeURIComponent(id)}`);

const pl = (id: string, rest = "") => `/v1/playlists/${encodeURIComponent(id)}${rest}`;
export const createPlaylist = (name: string) => api<CommandAccepted>("/v1/playlists", { method: "POST", body: { name } });
export const renamePlaylist = (id: string, name: string) => api<CommandAccepted>(pl(id, "/name"), { method: "PUT", body: { name } });
export const setVisibility = (id: string, visibility: Visibility) =>
  api<CommandAccepted>(pl(id, "/visibility"), { method: "PUT", body: { visibility } });
export const addToPlaylist = (id: string, trackId: string) =>
  api<CommandAccepted>(pl(id, "/items"), { method: "POST", body: { track_id: trackId } });
export const removeItem = (id: string, itemId: string) => api<CommandAccepted>(pl(id, `/items/${itemId}`), { method: "DELETE" });
export const moveItem = (id: string, itemId: string, afterItemId: string | null) =>
  api<CommandAccepted>(pl(id, `/items/${itemId}/move`), { method: "POST", body: { after_item_id: afterItemId } });

export interface AppConfig { telegram_bot_username: string; telegram_miniapp_name: string }
let config: Promise<AppConfig> | null = null;
export function appConfig(): Promise<AppConfig> {
  config ??= fetch("/config.json").then((r) => r.json() as Promise<AppConfig>).catch(() => ({ telegram_bot_username: "", telegram_miniapp_name: "" }));
  return config;
}

/** The deep link that opens a playlist in the Mini App (`startapp=playlist_<id>`), or a web link without a bot. */
export async function shareLinkOf(playlistId: string): Promise<string> {
  const c = await appConfig();
  if (c.telegram_bot_username && c.telegram_miniapp_name) {
    return `https://t.me/${c.telegram_bot_username}/${c.telegram_miniapp_name}?startapp=playlist_${playlistId}`;
  }
  return `${location.origin}/playlist/${playlistId}`;
}
