"""Value objects shared by track commands and events: metadata, probe facts, analysis and blob references.

They live apart from ``commands.py`` and ``events.py`` because both carry them; the Avro schemas name
them as nested records (see ``schemas/avro/tuneton.track.events-value.avsc``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Visibility(StrEnum):
    """Who may find and play a track: its uploader only, anyone with its id, or everyone (search, browse)."""

    PRIVATE = "private"
    UNLISTED = "unlisted"
    PUBLIC = "public"


@dataclass(frozen=True, kw_only=True)
class TrackMetadata:
    """What listeners see: from the file's tags at ingest, later corrected by the owner or an admin."""

    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    year: int | None = None
    genre: str | None = None
    isrc: str | None = None


@dataclass(frozen=True, kw_only=True)
class AudioFacts:
    """What ffprobe found in the original upload."""

    container: str
    codec: str
    duration_ms: int
    sample_rate: int
    channels: int
    bitrate: int | None = None


@dataclass(frozen=True, kw_only=True)
class BlobRef:
    """A stored blob: its content-addressed key, the SHA-256 of its bytes (the HTTP ETag), size and type."""

    key: str
    sha256: str
    size_bytes: int
    mime_type: str


@dataclass(frozen=True, kw_only=True)
class Rendition:
    """An encoding made for streaming next to the original (e.g. AAC-LC in faststart M4A)."""

    name: str
    codec: str
    bitrate: int
    blob: BlobRef


@dataclass(frozen=True, kw_only=True)
class CoverRef:
    """One square cover rendition: ``size`` px in ``format`` (jpeg, webp)."""

    size: int
    format: str
    blob: BlobRef


@dataclass(frozen=True, kw_only=True)
class TrackAnalysis:
    """What ingest measured in the audio: tempo, key and EBU R128 loudness (``None`` on a track when unmeasurable).

    ``key_tonic`` is a pitch class (0 = C .. 11 = B), ``key_mode`` ``"major"`` or ``"minor"``,
    ``key_confidence`` the correlation with the key profile (-1..1); ``lufs`` is integrated loudness and
    ``peak_dbfs`` the sample peak of the analysed signal.
    """

    bpm: float
    key_tonic: int
    key_mode: str
    key_confidence: float
    lufs: float
    peak_dbfs: float
