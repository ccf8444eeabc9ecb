"""Commands about tracks, named in the imperative. The actor travels in the CommandContext.

``admin`` on the change commands is set only by the trusted HTTP edge (from settings, like the actor
id itself); it lets an admin correct or remove somebody else's track.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.track.values import (
    AudioFacts,
    BlobRef,
    CoverRef,
    Rendition,
    TrackAnalysis,
    TrackMetadata,
    Visibility,
)


@dataclass(frozen=True, kw_only=True)
class RegisterTrack:
    """Record a track after a successful ingest: every blob it names is already stored."""

    track_id: str
    content_sha256: str
    original: BlobRef
    audio: AudioFacts
    renditions: tuple[Rendition, ...]
    covers: tuple[CoverRef, ...]
    cover_source: str
    metadata: TrackMetadata
    visibility: Visibility = Visibility.PUBLIC
    analysis: TrackAnalysis | None = None


@dataclass(frozen=True, kw_only=True)
class CorrectMetadata:
    """Change some metadata fields: ``None`` keeps a field, names in ``clear`` empty it."""

    track_id: str
    title: str | None = None
    artists: tuple[str, ...] | None = None
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    year: int | None = None
    genre: str | None = None
    isrc: str | None = None
    clear: tuple[str, ...] = ()
    admin: bool = False


@dataclass(frozen=True, kw_only=True)
class ReplaceCover:
    """Point the track at new cover renditions (already stored)."""

    track_id: str
    covers: tuple[CoverRef, ...]
    cover_source: str = "uploaded"
    admin: bool = False


@dataclass(frozen=True, kw_only=True)
class RemoveTrack:
    """Take the track out of the catalog; its id can be registered again by a later ingest."""

    track_id: str
    admin: bool = False


TrackCommand = RegisterTrack | CorrectMetadata | ReplaceCover | RemoveTrack
