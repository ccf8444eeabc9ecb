"""Render rows as HTTP models, the visibility rule, and which render files may be served how.

Files live under the directory of the row's ``entry_key`` (``renders/{asset_key}/``): the HLS
playlist (rewritten while it grows), ``init.mp4`` and ``seg_NNNNN.m4s`` (each written once, before
the playlist lists it) and, for mp3 renders, ``render.mp3`` (written once, at completion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from query_api.schemas import (
    RenderFailurePublic,
    RenderParamsPublic,
    RenderPublic,
    RenderResultPublic,
    RenderSourcePublic,
    RenderUrlsPublic,
    from_millis,
)
from query_api.track_views import readable
from tuneton.domain.render.values import RenderStatus

if TYPE_CHECKING:
    from query_api.media_links import MediaLinks

PLAYLIST = "playlist.m3u8"
MP3 = "render.mp3"
SERVABLE = (RenderStatus.RENDERING.value, RenderStatus.READY.value)
_SEGMENT = re.compile(r"seg_\d{5}\.m4s")


@dataclass(frozen=True, kw_only=True)
class RenderFile:
    """A servable file name and how to send it."""

    name: str
    content_type: str
    immutable: bool  # written once: cacheable forever (the playlist is not: it grows)


def render_file(name: str) -> RenderFile | None:
    """The file ``name`` names, or None for anything outside the render layout (no paths, no other names)."""
    if name == PLAYLIST:
        return RenderFile(name=name, content_type="application/vnd.apple.mpegurl", immutable=False)
    if name == "init.mp4" or _SEGMENT.fullmatch(name):
        return RenderFile(name=name, content_type="audio/mp4", immutable=True)
    if name == MP3:
        return RenderFile(name=name, content_type="audio/mpeg", immutable=True)
    return None


def visible(row: dict[str, Any] | None, viewer: str | None) -> bool:
    """A render is as visible as the tracks it maps to: its requesting track, or any public track with the same
    source bytes (a shared render stays readable when the first requester hides or removes theirs).

    Non-public tracks get renders of their own (the asset key is scoped by track, see the render command),
    so a private render maps to exactly one track and is visible only to whoever may see that track.
    """
    if row is None:
        return False
    if row.get("public_source"):
        return True
    if row["track_visibility"] is None:
        return False
    return readable({"visibility": row["track_visibility"], "owner_id": row["track_owner_id"]}, viewer)


def is_private(row: dict[str, Any]) -> bool:
    """Whether shared caches must keep nothing of this render (its track is not public)."""
    return bool(row["track_visibility"] != "public" and not row.get("public_source"))


def sign_playlist(body: bytes, query: str) -> bytes:
    """The playlist with ``query`` (a render's signature) on every URI, so a player needs no header.

    Segment lines and the ``#EXT-X-MAP`` init section are URIs relative to the playlist; a relative
    URI does not inherit the playlist's query string, hence the rewrite (RFC 8216 §4.1, §4.3.2.5).
    """
    lines = [_signed_line(line, query) for line in body.decode().splitlines()]
    return ("\n".join(lines) + "\n").encode()


def _signed_line(line: str, query: str) -> str:
    if line and not line.startswith("#"):
        return _with_query(line, query)
    if line.startswith("#EXT-X-MAP:") and 'URI="' in line:
        head, _, rest = line.partition('URI="')
        uri, _, tail = rest.partition('"')
        return f'{head}URI="{_with_query(uri, query)}"{tail}'
    return line


def _with_query(uri: str, query: str) -> str:
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


def blob_key(row: dict[str, Any], name: str) -> str:
    """Where ``name`` of this render is stored: next to the entry (playlist or mp3)."""
    directory = str(row["entry_key"]).rpartition("/")[0] or f"renders/{row['asset_key']}"
    return f"{directory}/{name}"


def file_url(asset_key: str, name: str) -> str:
    """The API URL of one render file."""
    return f"/v1/renders/{asset_key}/files/{name}"


def render_public(row: dict[str, Any], links: MediaLinks) -> RenderPublic:
    """Map a ``renders`` row (as joined by the reader), with file URLs signed by ``links``."""
    key, status = row["asset_key"], row["status"]
    ready = status == RenderStatus.READY.value
    return RenderPublic(
        asset_key=key,
        track_id=row["track_id"],
        status=status,
        percent=row["percent"],
        attempt=row["attempt"],
        segments_ready=row["segments_ready"],
        segments_total=row["segments_total"],
        params=RenderParamsPublic(
            semitones=row["pitch_cents"] / 100,
            tempo=row["tempo"],
            formant=bool(row["formant"]),
            quality=row["quality"],
            format=row["output_format"],
        ),
        urls=_urls(row, links),
        source=RenderSourcePublic(
            bpm=row["source_bpm"], key=row["source_key"], duration_s=row["source_duration_ms"] / 1000
        ),
        result=_result(row) if ready else None,
        failure=(
            RenderFailurePublic(reason=row["failure_reason"], detail=row["failure_detail"] or "")
            if status == RenderStatus.FAILED.value
            else None
        ),
        cache_hits=row["cache_hits"],
        version=row["version"],
        requested_at=from_millis(row["requested_at"]),
        updated_at=from_millis(row["updated_at"]),
    )


def _urls(row: dict[str, Any], links: MediaLinks) -> RenderUrlsPublic:
    key, status = row["asset_key"], row["status"]
    entry = str(row["entry_key"] or "").rpartition("/")[2]
    playlist = links.render(key, file_url(key, PLAYLIST)) if entry == PLAYLIST and status in SERVABLE else None
    audio = links.render(key, file_url(key, MP3)) if entry == MP3 and status == RenderStatus.READY.value else None
    return RenderUrlsPublic(playlist=playlist, audio=audio, events=f"/v1/renders/{key}/events")


def _result(row: dict[str, Any]) -> RenderResultPublic:
    return RenderResultPublic(
        bpm=row["result_bpm"],
        key=row["result_key"],
        key_offset_cents=row["result_key_offset_cents"],
        lufs=row["result_lufs"],
        duration_s=(row["duration_ms"] or 0) / 1000,
        size_bytes=row["size_bytes"] or 0,
    )
