// The HTTP contract of the tuneTON API as the app uses it (query_api/schemas.py, commands/schemas.py).

export interface Cover { size: number; format: string; mime_type: string; url: string }
export interface Audio { name: string; codec: string; bitrate: number | null; mime_type: string; size_bytes: number; url: string }
export interface Analysis { bpm: number; key: string; key_tonic: number; key_mode: string; lufs: number; peak_dbfs: number }

export interface Track {
  track_id: string; owner_id: string; visibility: string; title: string; artists: string[];
  album: string | null; year: number | null; genre: string | null; duration_ms: number;
  covers: Cover[]; renditions: Audio[]; original: Audio; analysis: Analysis | null;
}
export interface Tracks { data: Track[]; count: number }

export type Span = [number, number];
export interface SearchHit {
  track_id: string; title: string; artists: string[]; album: string | null; duration_ms: number | null;
  highlights: { title: Span[]; artists: Span[][]; album: Span[] }; cover_url: string | null;
}
export interface SearchResults { total: number; data: SearchHit[] }

export type Visibility = "private" | "unlisted" | "public";
export interface PlaylistSummary {
  playlist_id: string; owner_id: string; name: string; description: string; visibility: Visibility;
  item_count: number; version: number; updated_at: string;
}
export interface PlaylistItem { item_id: string; track_id: string; position: number }
export interface Playlist extends PlaylistSummary { items: PlaylistItem[] }
export interface Playlists { data: PlaylistSummary[]; count: number }

export interface CommandAccepted { aggregate_id: string; version: number; consistency_token: string; item_id?: string | null }
export interface TrackUploaded { track_id: string; duplicate: boolean; title: string | null; consistency_token: string | null }

export interface RenderRequested { asset_key: string; status_url: string; events_url: string; entry_url: string; consistency_token: string }
export type RenderStatus = "queued" | "rendering" | "ready" | "failed";
export interface Render {
  asset_key: string; status: RenderStatus; percent: number; segments_ready: number; segments_total: number;
  params: { semitones: number; tempo: number; formant: boolean };
  urls: { playlist: string | null; audio: string | null; events: string };
  source: { bpm: number | null; key: string | null; duration_s: number };
  result: { bpm: number | null; key: string | null; lufs: number | null; duration_s: number } | null;
  failure: { reason: string; detail: string } | null;
}
export interface RenderPosition { original_s: number; render_s: number; tempo: number }

export interface User {
  user_id: string; display_name: string; username: string | null; photo_url: string | null;
  language_code: string | null; is_premium: boolean;
}
