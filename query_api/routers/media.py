"""Cover images and audio bytes, from the blob store, checked against the track's visibility.

``ETag`` is the content hash, URLs with ``?v=<hash>`` are immutable, and audio (and covers) answer
HTTP Range requests with 206/416 (query_api/blobs.py has the rules). The URLs the API hands out are
signed (query_api/media_links.py): the signature says who fetches, visibility is checked now, so a
track made private or removed stops playing for everybody it no longer belongs to.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status

from query_api.blobs import Served, serve_blob
from query_api.deps import BlobStoreDep, ReadStoreDep
from query_api.media_links import MediaViewer
from query_api.readers import tracks as reader
from query_api.schemas import Problem
from query_api.stream_cap import TOO_MANY_STREAMS, StreamAdmission
from query_api.track_views import EXTENSIONS, readable
from tuneton.media.covers import MIME_TYPES as COVER_TYPES
from tuneton.media.probe import MIME_TYPES as AUDIO_TYPES
from tuneton.ports import ReadStore

router = APIRouter(tags=["track media"])
TrackId = Annotated[str, Path(min_length=1, max_length=128)]
Version = Annotated[str | None, Query(max_length=64, description="Content hash from the track's URLs.")]


def _media(content_types: list[str]) -> dict[int | str, dict[str, Any]]:
    return {
        200: {"description": "The bytes.", "content": {media_type: {} for media_type in content_types}},
        206: {"description": "The requested byte range."},
        304: {"description": "Not modified (If-None-Match)."},
        403: {"model": Problem, "description": "Expired, tampered or missing (when required) URL signature."},
        404: {"model": Problem, "description": "No such track or rendition."},
        416: {"description": "Range not satisfiable."},
    }


# An original is served in the type it was uploaded in (an MP3's stream rendition is the MP3 itself).
_MEDIA = _media(sorted(COVER_TYPES.values()))
_AUDIO_HEAD = _media(sorted(set(AUDIO_TYPES.values())))
_AUDIO = {**_AUDIO_HEAD, **TOO_MANY_STREAMS}
_FORMATS = {ext: fmt for fmt, ext in EXTENSIONS.items()}


@router.get("/v1/tracks/{track_id}/covers/{size}.{ext}", responses=_MEDIA)
@router.head("/v1/tracks/{track_id}/covers/{size}.{ext}", responses=_MEDIA)  # one route per method: unique ids
async def cover(
    request: Request,
    track_id: TrackId,
    size: int,
    ext: Literal["jpg", "webp"],
    store: ReadStoreDep,
    blobs: BlobStoreDep,
    user: MediaViewer,
    v: Version = None,
) -> Response:
    """One cover rendition (96, 300 or 600 px; JPEG or WebP)."""
    row = await _readable(store, track_id, user)
    for item in json.loads(row["covers_json"]):
        if item["size"] == size and item["format"] == _FORMATS[ext]:
            return await serve_blob(request, blobs, _served(item["blob"], row), version=v)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no {size} px {ext} cover")


@router.get("/v1/tracks/{track_id}/audio/{name}", responses=_AUDIO)
@router.head("/v1/tracks/{track_id}/audio/{name}", responses=_AUDIO_HEAD)
async def audio(
    request: Request,
    track_id: TrackId,
    name: Annotated[str, Path(max_length=32, description="stream or original")],
    store: ReadStoreDep,
    blobs: BlobStoreDep,
    user: MediaViewer,
    admit: StreamAdmission,
    v: Version = None,
) -> Response:
    """The streaming rendition (``stream``: AAC-LC in M4A) or the ``original`` upload, with Range support.

    A body counts towards the caller's concurrent streams (one per track, however many ranges): 429
    beyond ``max_streams_per_user``.
    """
    row = await _readable(store, track_id, user)
    if name == "original":
        return await serve_blob(request, blobs, _served(json.loads(row["original_json"]), row), version=v, admit=admit)
    for rendition in json.loads(row["renditions_json"]):
        if rendition["name"] == name:
            return await serve_blob(request, blobs, _served(rendition["blob"], row), version=v, admit=admit)
    raise HTTPException(status.HTTP_404_NOT_FOUND, f"no rendition {name!r}")


async def _readable(store: ReadStore, track_id: str, user: str | None) -> dict[str, Any]:
    row = await reader.media(store, track_id)
    if not readable(row, user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such track")
    assert row is not None
    return row


def _served(blob: dict[str, Any], row: dict[str, Any]) -> Served:
    return Served(
        key=blob["key"],
        sha256=blob["sha256"],
        size=blob["size_bytes"],
        mime_type=blob["mime_type"],
        private=row["visibility"] != "public",
    )
