"""Validation of what a track command carries: text, numbers, digests, blob references.

Ingest already cleaned the tags, but the decider is the single writer and cannot trust its callers
(a metadata correction comes straight from a listener), so every rule is checked here again.
"""

from __future__ import annotations

import math
import re
from dataclasses import fields, replace
from typing import Any

from tuneton.domain.errors import InvalidValue
from tuneton.domain.text import clean_text
from tuneton.domain.track.values import (
    AudioFacts,
    BlobRef,
    CoverRef,
    Rendition,
    TrackAnalysis,
    TrackMetadata,
    Visibility,
)

MAX_TEXT = 1024  # one tag value (tuneton.media.tags.MAX_FIELD_CHARS)
MAX_ARTISTS = 32
MAX_ID = 128
MAX_COVERS = 16
MAX_RENDITIONS = 8
MAX_BPM = 1000
MAX_LEVEL_DB = 10.0  # decoded float audio may exceed full scale a little (inter-sample overs), not by 10 dB
KEY_MODES = frozenset({"major", "minor"})
_SHA256 = re.compile(r"[0-9a-f]{64}")
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
_NUMBERS = ("track_number", "track_total", "disc_number", "disc_total")
_OPTIONAL_TEXT = ("album", "album_artist", "genre")
CLEARABLE = frozenset({"artists", *_OPTIONAL_TEXT, *_NUMBERS, "year", "isrc"})


def clean_metadata(metadata: TrackMetadata) -> TrackMetadata:
    """``metadata`` with every field cleaned, or an ``InvalidValue`` naming the field."""
    artists = tuple(clean_text(a, field="artists", max_length=MAX_TEXT) for a in metadata.artists)
    if len(artists) > MAX_ARTISTS:
        raise InvalidValue(f"a track lists at most {MAX_ARTISTS} artists", field="artists", max=MAX_ARTISTS)
    return TrackMetadata(
        title=clean_text(metadata.title, field="title", max_length=MAX_TEXT),
        artists=tuple(dict.fromkeys(artists)),
        album=_text(metadata.album, field="album"),
        album_artist=_text(metadata.album_artist, field="album_artist"),
        track_number=_number(metadata.track_number, field="track_number", low=1, high=9999),
        track_total=_number(metadata.track_total, field="track_total", low=1, high=9999),
        disc_number=_number(metadata.disc_number, field="disc_number", low=1, high=9999),
        disc_total=_number(metadata.disc_total, field="disc_total", low=1, high=9999),
        year=_number(metadata.year, field="year", low=1000, high=2100),
        genre=_text(metadata.genre, field="genre"),
        isrc=_isrc(metadata.isrc),
    )


def check_clear(names: tuple[str, ...]) -> None:
    """Only optional fields can be cleared (a track always has a title)."""
    unknown = sorted(set(names) - CLEARABLE)
    if unknown:
        raise InvalidValue(f"cannot clear {', '.join(unknown)}", field="clear", clearable=sorted(CLEARABLE))


def cleared(metadata: TrackMetadata, names: tuple[str, ...]) -> TrackMetadata:
    """``metadata`` with the named fields emptied."""
    empty: dict[str, Any] = {f.name: () if f.name == "artists" else None for f in fields(metadata) if f.name in names}
    return replace(metadata, **empty)


def check_id(value: str, *, field: str) -> None:
    """Ids are short, printable and non-empty."""
    clean_text(value, field=field, max_length=MAX_ID)


def check_sha256(value: str, *, field: str) -> None:
    """A lower-case hex SHA-256 digest."""
    if not _SHA256.fullmatch(value):
        raise InvalidValue(f"{field} must be a lower-case hex SHA-256", field=field)


def check_blob(blob: BlobRef, *, field: str) -> None:
    """A blob reference names a key, the digest of its bytes and a size."""
    if not blob.key or len(blob.key) > 1024 or blob.size_bytes < 0 or not blob.mime_type:
        raise InvalidValue(f"{field} is not a valid blob reference", field=field)
    check_sha256(blob.sha256, field=f"{field}.sha256")


def check_audio(audio: AudioFacts) -> None:
    """Probe facts a player can rely on."""
    if audio.duration_ms <= 0 or audio.sample_rate <= 0 or audio.channels <= 0:
        raise InvalidValue("audio facts must be positive (duration, sample rate, channels)", field="audio")


def check_renditions(renditions: tuple[Rendition, ...]) -> None:
    """At least one streamable rendition, each with a valid blob."""
    if not 1 <= len(renditions) <= MAX_RENDITIONS:
        raise InvalidValue(f"a track needs 1..{MAX_RENDITIONS} renditions", field="renditions")
    for rendition in renditions:
        check_blob(rendition.blob, field=f"renditions.{rendition.name}")


def check_covers(covers: tuple[CoverRef, ...]) -> None:
    """At least one cover, each with a positive size and a valid blob."""
    if not 1 <= len(covers) <= MAX_COVERS:
        raise InvalidValue(f"a track needs 1..{MAX_COVERS} cover renditions", field="covers")
    for cover in covers:
        if cover.size <= 0 or not cover.format:
            raise InvalidValue("cover size and format are required", field="covers")
        check_blob(cover.blob, field=f"covers.{cover.size}.{cover.format}")


def check_analysis(analysis: TrackAnalysis | None) -> None:
    """Measurements a UI can print: finite, tempo 1..1000 BPM, a pitch class and mode, loudness at most +10 dB."""
    if analysis is None:
        return
    numbers = (analysis.bpm, analysis.key_confidence, analysis.lufs, analysis.peak_dbfs)
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidValue("analysis values must be finite numbers", field="analysis")
    if not 1 <= analysis.bpm <= MAX_BPM:
        raise InvalidValue(f"analysis.bpm must be between 1 and {MAX_BPM}", field="analysis.bpm")
    if not 0 <= analysis.key_tonic <= 11 or analysis.key_mode not in KEY_MODES:
        raise InvalidValue("analysis key must be a pitch class 0..11, major or minor", field="analysis.key")
    if not -1 <= analysis.key_confidence <= 1:
        raise InvalidValue("analysis.key_confidence must be between -1 and 1", field="analysis.key_confidence")
    if analysis.lufs > MAX_LEVEL_DB or analysis.peak_dbfs > MAX_LEVEL_DB:
        raise InvalidValue(f"analysis levels must be at most {MAX_LEVEL_DB} dB", field="analysis")


def check_visibility(value: str) -> Visibility:
    """The enum member, or a rejection listing the choices."""
    try:
        return Visibility(value)
    except ValueError:
        raise InvalidValue(f"visibility must be one of {[v.value for v in Visibility]}", field="visibility") from None


def _number(value: int | None, *, field: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if not low <= value <= high:
        raise InvalidValue(f"{field} must be between {low} and {high}", field=field)
    return value


def _text(value: str | None, *, field: str) -> str | None:
    if value is None:
        return None
    return clean_text(value, field=field, max_length=MAX_TEXT, allow_empty=True) or None


def _isrc(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = re.sub(r"[\s-]", "", value).upper()
    if not _ISRC.fullmatch(code):
        raise InvalidValue("isrc must look like CC-XXX-YY-NNNNN", field="isrc")
    return code


def visible_to(*, visibility: str, owner_id: str, viewer: str | None) -> bool:
    """Private tracks exist only for their uploader; unlisted and public ones for anyone with the id.

    One rule for every reader of the tracks read model (track views, renders, render requests).
    """
    return visibility != Visibility.PRIVATE.value or owner_id == viewer
