"""Facts recorded about tracks, named in the past tense. Id, version and time live in the envelope."""

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
class TrackIngested:
    """An upload became a track: stored original, streaming rendition, covers, probe facts and tags."""

    owner_id: str
    visibility: Visibility
    content_sha256: str
    original: BlobRef
    audio: AudioFacts
    renditions: tuple[Rendition, ...]
    covers: tuple[CoverRef, ...]
    cover_source: str
    metadata: TrackMetadata
    analysis: TrackAnalysis | None = None  # None: not analysed (silence, too short, too long, or failed)


@dataclass(frozen=True, kw_only=True)
class MetadataCorrected:
    """The track's metadata now reads as given (a full snapshot, not a diff)."""

    metadata: TrackMetadata


@dataclass(frozen=True, kw_only=True)
class CoverReplaced:
    """The track's cover renditions changed."""

    covers: tuple[CoverRef, ...]
    cover_source: str


@dataclass(frozen=True, kw_only=True)
class TrackRemoved:
    """The track left the catalog."""


TrackEvent = TrackIngested | MetadataCorrected | CoverReplaced | TrackRemoved
