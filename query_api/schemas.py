"""HTTP contract of the query API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from tuneton.catalog_values import MAX_SEARCH_WINDOW, SEARCH_TOTAL_CAP
from tuneton.domain.playlist.commands import Visibility
from tuneton.domain.render.values import FailureReason, RenderStatus
from tuneton.web.responses import Problem

__all__ = ["Problem"]  # the error body: one definition for both APIs (tuneton.web.responses)


def from_millis(value: int) -> datetime:
    """Read-model times are epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


class PlaylistSummary(BaseModel):
    """A playlist in a listing."""

    playlist_id: str
    owner_id: str
    name: str
    description: str
    visibility: Visibility
    item_count: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PlaylistSummary:
        """Map a reader row."""
        return cls(
            **{**row, "created_at": from_millis(row["created_at"]), "updated_at": from_millis(row["updated_at"])}
        )


class PlaylistsPublic(BaseModel):
    """A page of playlists."""

    data: list[PlaylistSummary]
    count: int


class PlaylistItemPublic(BaseModel):
    """One entry of a playlist, in order."""

    item_id: str
    track_id: str
    position: int = Field(description="0-based index in the playlist order.")
    added_at: datetime


class PlaylistPublic(PlaylistSummary):
    """A playlist with a page of its items, in order."""

    items: list[PlaylistItemPublic]


class UserPublic(BaseModel):
    """A listener's profile."""

    user_id: str
    display_name: str
    username: str | None
    language_code: str | None
    version: int
    registered_at: datetime
    updated_at: datetime


class CoverPublic(BaseModel):
    """One cover rendition; ``url`` is immutable (it names the bytes' hash)."""

    size: int = Field(description="Square edge in pixels.")
    format: str = Field(description="jpeg or webp")
    mime_type: str
    url: str


class AudioPublic(BaseModel):
    """A playable encoding: the streaming rendition(s) or the original upload; ``url`` supports Range."""

    name: str = Field(description="stream (AAC-LC in M4A) or original")
    codec: str
    bitrate: int | None
    mime_type: str
    size_bytes: int
    url: str


class AnalysisPublic(BaseModel):
    """What ingest measured in the audio: tempo, key and EBU R128 loudness."""

    bpm: float = Field(description="Tempo in beats per minute.")
    key: str = Field(description='Display name of the key, e.g. "A minor" (flats for black keys: "Eb major").')
    key_tonic: int = Field(ge=0, le=11, description="Pitch class of the tonic, 0 = C .. 11 = B.")
    key_mode: str = Field(description="major or minor")
    key_confidence: float = Field(description="Correlation with the key profile, -1..1; low means ambiguous.")
    lufs: float = Field(description="Integrated loudness (EBU R128 / ITU-R BS.1770-4), LUFS.")
    peak_dbfs: float = Field(description="Sample peak, dBFS.")


class TrackPublic(BaseModel):
    """A track: metadata, probe facts, covers per size and what can be played."""

    track_id: str
    owner_id: str
    visibility: str
    title: str
    artists: list[str]
    album: str | None
    album_artist: str | None
    track_number: int | None
    track_total: int | None
    disc_number: int | None
    disc_total: int | None
    year: int | None
    genre: str | None
    isrc: str | None
    duration_ms: int
    sample_rate: int
    channels: int
    content_sha256: str
    cover_source: str = Field(description="embedded, placeholder or uploaded")
    covers: list[CoverPublic]
    renditions: list[AudioPublic]
    original: AudioPublic
    analysis: AnalysisPublic | None = Field(description="null when the track was not analysed.")
    version: int
    created_at: datetime
    updated_at: datetime


class TracksPublic(BaseModel):
    """A page of tracks and how many match in total."""

    data: list[TrackPublic]
    count: int


class HighlightsPublic(BaseModel):
    """Where the query matched: ``[start, end)`` code-point spans into the displayed strings."""

    title: list[tuple[int, int]]
    artists: list[list[tuple[int, int]]] = Field(description="One list of spans per artist, in credit order.")
    album: list[tuple[int, int]]


class SearchHitPublic(BaseModel):
    """One search result: display fields, score, highlights, and a thumbnail when the read model has it."""

    track_id: str
    title: str
    artists: list[str]
    album: str | None
    genre: str | None
    year: int | None
    duration_ms: int | None
    score: float
    highlights: HighlightsPublic
    cover_url: str | None = Field(default=None, description="The 96 px JPEG cover.")


class SearchResults(BaseModel):
    """One page of search results."""

    total: int = Field(
        description=f"Matching tracks, counted up to {SEARCH_TOTAL_CAP}; past that, {SEARCH_TOTAL_CAP} and "
        "total_exact is false."
    )
    total_exact: bool = Field(
        description=f"False when more than {SEARCH_TOTAL_CAP} tracks match: show the total as "
        f'"{SEARCH_TOTAL_CAP}+". Pages past it are still served, up to offset + limit = {MAX_SEARCH_WINDOW}.',
    )
    data: list[SearchHitPublic]


class RenderParamsPublic(BaseModel):
    """What the listener asked for, normalised."""

    semitones: float = Field(description="Pitch shift in semitones (cents / 100; fractional shifts allowed).")
    tempo: float = Field(description="Tempo ratio: 1.25 plays 25 % faster.")
    formant: bool = Field(description="Formants preserved (voices keep their timbre).")
    quality: str
    format: str = Field(description="Output format: aac-hls (progressive HLS) or mp3.")


class RenderUrlsPublic(BaseModel):
    """Where to fetch the render from this API; null until there is something to fetch."""

    playlist: str | None = Field(description="HLS playlist; grows while rendering, ends with #EXT-X-ENDLIST.")
    audio: str | None = Field(description="The MP3 file, once an mp3 render is ready.")
    events: str = Field(description="Server-Sent Events stream of this render's progress.")


class RenderSourcePublic(BaseModel):
    """The original track's analysis, as captured when the render was requested."""

    bpm: float | None
    key: str | None
    duration_s: float


class RenderResultPublic(BaseModel):
    """The finished render: its length, size and (predicted or analysed) tempo, key and loudness."""

    bpm: float | None
    key: str | None
    key_offset_cents: int | None
    lufs: float | None
    duration_s: float
    size_bytes: int


class RenderFailurePublic(BaseModel):
    """Why the current attempt failed (a new request starts the next attempt)."""

    reason: FailureReason
    detail: str


class RenderPublic(BaseModel):
    """A render's status: the current attempt's progress, where to play it, and the result once ready."""

    asset_key: str
    track_id: str
    status: RenderStatus
    percent: int = Field(description="Whole percent of segments stored (100 when ready).")
    attempt: int
    segments_ready: int
    segments_total: int
    params: RenderParamsPublic
    urls: RenderUrlsPublic
    source: RenderSourcePublic
    result: RenderResultPublic | None = Field(description="Null until ready.")
    failure: RenderFailurePublic | None = Field(description="Null unless failed.")
    cache_hits: int = Field(description="Requests answered by this asset after it was ready.")
    version: int = Field(description="The render stream's version this status reflects.")
    requested_at: datetime
    updated_at: datetime


class RenderPositionPublic(BaseModel):
    """The same musical moment in the original and in the render (``render_s = original_s / tempo``)."""

    original_s: float
    render_s: float
    tempo: float
