"""Read-model rows and search hits as HTTP models, with the URLs the player and the UI fetch.

Blob URLs point at this API (``/v1/tracks/{id}/...``) so visibility is checked on every fetch, carry
``?v=<sha256>`` so they are cacheable forever (query_api/blobs.py), and are signed for the caller
(query_api/media_links.py) so a player needs no header.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from query_api.schemas import (
    AnalysisPublic,
    AudioPublic,
    CoverPublic,
    HighlightsPublic,
    SearchHitPublic,
    TrackPublic,
    from_millis,
)
from tuneton.audio.analysis import Key
from tuneton.catalog_values import SearchHit
from tuneton.domain.track.rules import visible_to

if TYPE_CHECKING:
    from query_api.media_links import MediaLinks

EXTENSIONS = {"jpeg": "jpg", "webp": "webp"}
THUMBNAIL = (96, "jpeg")
_DERIVED = {"created_at", "updated_at", "analysis"}


def readable(row: dict[str, Any] | None, viewer: str | None) -> bool:
    """Private tracks exist only for their uploader; unlisted and public ones for anyone with the id."""
    return row is not None and visible_to(visibility=row["visibility"], owner_id=row["owner_id"], viewer=viewer)


def cover_url(track_id: str, cover: dict[str, Any]) -> str:
    """The immutable URL of one cover rendition."""
    return f"/v1/tracks/{track_id}/covers/{cover['size']}.{EXTENSIONS[cover['format']]}?v={cover['blob']['sha256']}"


def audio_url(track_id: str, name: str, sha256: str) -> str:
    """The immutable URL of a rendition (``stream``) or the ``original``."""
    return f"/v1/tracks/{track_id}/audio/{name}?v={sha256}"


def track_public(row: dict[str, Any], links: MediaLinks) -> TrackPublic:
    """Map a ``tracks`` row, with media URLs signed by ``links``."""
    track_id = row["track_id"]
    covers = [
        CoverPublic(
            size=c["size"],
            format=c["format"],
            mime_type=c["blob"]["mime_type"],
            url=links.track(track_id, cover_url(track_id, c)),
        )
        for c in json.loads(row["covers_json"])
    ]
    renditions = [
        AudioPublic(
            name=r["name"],
            codec=r["codec"],
            bitrate=r["bitrate"],
            mime_type=r["blob"]["mime_type"],
            size_bytes=r["blob"]["size_bytes"],
            url=links.track(track_id, audio_url(track_id, r["name"], r["blob"]["sha256"])),
        )
        for r in json.loads(row["renditions_json"])
    ]
    original = json.loads(row["original_json"])
    fields = {name: row[name] for name in TrackPublic.model_fields if name in row and name not in _DERIVED}
    return TrackPublic(
        **{**fields, "artists": json.loads(row["artists_json"])},
        covers=covers,
        renditions=renditions,
        original=AudioPublic(
            name="original",
            codec=row["codec"],
            bitrate=row["bitrate"],
            mime_type=original["mime_type"],
            size_bytes=original["size_bytes"],
            url=links.track(track_id, audio_url(track_id, "original", original["sha256"])),
        ),
        analysis=analysis_public(row),
        created_at=from_millis(row["created_at"]),
        updated_at=from_millis(row["updated_at"]),
    )


def analysis_public(row: dict[str, Any]) -> AnalysisPublic | None:
    """The analysis columns of a reader row (all NULL for a track that was not analysed)."""
    if row.get("bpm") is None:
        return None
    return AnalysisPublic(
        bpm=row["bpm"],
        key=str(Key(tonic=row["key_tonic"], mode=row["key_mode"])),
        key_tonic=row["key_tonic"],
        key_mode=row["key_mode"],
        key_confidence=row["key_confidence"],
        lufs=row["lufs"],
        peak_dbfs=row["peak_dbfs"],
    )


def search_hit_public(hit: SearchHit, row: dict[str, Any] | None, links: MediaLinks) -> SearchHitPublic:
    """Map a search hit; ``row`` (the read model's, when it has caught up) adds the thumbnail URL."""
    document, marks = hit.document, hit.highlights
    thumbnail = None
    if row is not None:
        covers = [c for c in json.loads(row["covers_json"]) if (c["size"], c["format"]) == THUMBNAIL]
        thumbnail = links.track(document.track_id, cover_url(document.track_id, covers[0])) if covers else None
    return SearchHitPublic(
        track_id=document.track_id,
        title=document.title,
        artists=list(document.artists),
        album=document.album,
        genre=document.genre,
        year=document.year,
        duration_ms=document.duration_ms,
        score=hit.score,
        highlights=HighlightsPublic(
            title=list(marks.title), artists=[list(spans) for spans in marks.artists], album=list(marks.album)
        ),
        cover_url=thumbnail,
    )
