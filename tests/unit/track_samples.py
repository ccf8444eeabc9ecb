"""Track commands and events for the codec round-trip tests: nested records, arrays, enums, Unicode."""

from __future__ import annotations

from typing import Any

from tuneton.domain.track import commands as tc
from tuneton.domain.track import events as te
from tuneton.domain.track import values as tv

SHA = "ab" * 32
BLOB = tv.BlobRef(key=f"originals/ab/ab/{SHA}.mp3", sha256=SHA, size_bytes=5_000_000, mime_type="audio/mpeg")
AUDIO = tv.AudioFacts(container="mp3", codec="mp3", duration_ms=183_000, sample_rate=44100, channels=2, bitrate=None)
STREAM = (tv.Rendition(name="stream", codec="aac", bitrate=192_000, blob=BLOB),)
COVERS = (tv.CoverRef(size=96, format="jpeg", blob=BLOB), tv.CoverRef(size=600, format="webp", blob=BLOB))
METADATA = tv.TrackMetadata(
    title="Группа крови", artists=("Кино", "東京事変"), album="夜", year=1988, isrc="USRC17607839"
)

ANALYSIS = tv.TrackAnalysis(bpm=127.98, key_tonic=9, key_mode="minor", key_confidence=0.91, lufs=-9.5, peak_dbfs=0.2)

TRACK_COMMANDS: list[tuple[str, Any]] = [
    (
        "track",
        tc.RegisterTrack(
            track_id="t",
            content_sha256=SHA,
            original=BLOB,
            audio=AUDIO,
            renditions=STREAM,
            covers=COVERS,
            cover_source="embedded",
            metadata=METADATA,
            visibility=tv.Visibility.PRIVATE,
        ),
    ),
    (
        "track",
        tc.RegisterTrack(
            track_id="t",
            content_sha256=SHA,
            original=BLOB,
            audio=AUDIO,
            renditions=STREAM,
            covers=COVERS,
            cover_source="embedded",
            metadata=METADATA,
            analysis=ANALYSIS,
        ),
    ),
    ("track", tc.CorrectMetadata(track_id="t")),
    (
        "track",
        tc.CorrectMetadata(track_id="t", title="🎵", artists=("AC/DC",), year=2001, clear=("album",), admin=True),
    ),
    ("track", tc.ReplaceCover(track_id="t", covers=COVERS)),
    ("track", tc.RemoveTrack(track_id="t", admin=True)),
]

TRACK_EVENTS: list[tuple[str, Any]] = [
    (
        "track",
        te.TrackIngested(
            owner_id="42",
            visibility=tv.Visibility.PUBLIC,
            content_sha256=SHA,
            original=BLOB,
            audio=AUDIO,
            renditions=STREAM,
            covers=COVERS,
            cover_source="placeholder",
            metadata=METADATA,
        ),
    ),
    (
        "track",
        te.TrackIngested(
            owner_id="42",
            visibility=tv.Visibility.UNLISTED,
            content_sha256=SHA,
            original=BLOB,
            audio=AUDIO,
            renditions=STREAM,
            covers=COVERS,
            cover_source="embedded",
            metadata=METADATA,
            analysis=ANALYSIS,
        ),
    ),
    ("track", te.MetadataCorrected(metadata=tv.TrackMetadata(title="Untitled"))),
    ("track", te.CoverReplaced(covers=COVERS[:1], cover_source="uploaded")),
    ("track", te.TrackRemoved()),
]
