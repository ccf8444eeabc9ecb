"""Value objects shared by render commands and events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RenderStatus(StrEnum):
    """Where a render stands: requested, producing segments, finished, or given up."""

    QUEUED = "queued"
    RENDERING = "rendering"
    READY = "ready"
    FAILED = "failed"


class FailureReason(StrEnum):
    """Why a render failed, as the listener's client needs to tell it apart."""

    UNDECODABLE_SOURCE = "undecodable_source"  # the stored source cannot be read or decoded
    OUT_OF_RANGE = "out_of_range"  # a parameter the engine refuses (e.g. formant with an engine without it)
    INTERNAL = "internal"  # our fault (encoder, storage): a later request tries again


@dataclass(frozen=True, kw_only=True)
class TransformParams:
    """Normalised render parameters (validated at the HTTP edge by ``tuneton.audio.params``)."""

    pitch_cents: int
    tempo: float
    formant: bool
    quality: str
    output_format: str


@dataclass(frozen=True, kw_only=True)
class Musical:
    """Tempo, key and loudness of a piece of audio, as analysed or as predicted for a render."""

    bpm: float | None = None
    key: str | None = None  # "A minor"
    key_offset_cents: int = 0  # how far the audio sits off ``key`` (a shift by a fraction of a semitone)
    lufs: float | None = None


@dataclass(frozen=True, kw_only=True)
class SourceAudio:
    """The stored audio a render reads, captured at request time so the render needs no other lookups."""

    track_id: str
    blob_key: str
    sha256: str
    duration_ms: int
    musical: Musical | None = None


@dataclass(frozen=True, kw_only=True)
class RenderedAsset:
    """A finished render in the blob store: ``entry_key`` is what a player opens (playlist or MP3)."""

    entry_key: str
    prefix: str
    output_format: str
    segment_count: int
    duration_ms: int
    size_bytes: int
    musical: Musical | None = None
