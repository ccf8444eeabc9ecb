"""Render reads: status, a progress event stream, the rendered files, and position mapping.

A render is as visible as its source track (a private track's renders exist only for its owner), and
an asset key nobody may see answers 404 exactly like one that does not exist. Status, events and
positions honour ``?consistency=`` tokens (e.g. the one the render request returned).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from fastapi.responses import StreamingResponse

from query_api.blobs import YEAR_S, Served, serve_blob
from query_api.deps import CONSISTENT_RESPONSES, BlobStoreDep, Consistent, OptionalUser, ReadStoreDep
from query_api.media_links import MediaLinksDep, MediaViewer
from query_api.readers import renders as reader
from query_api.render_events import progress_frames
from query_api.render_views import (
    SERVABLE,
    RenderFile,
    blob_key,
    is_private,
    render_file,
    render_public,
    sign_playlist,
    visible,
)
from query_api.schemas import Problem, RenderPositionPublic, RenderPublic
from query_api.stream_cap import TOO_MANY_STREAMS, Admit, StreamAdmission
from tuneton.audio.errors import ParameterError
from tuneton.audio.positions import to_original_time, to_render_time
from tuneton.auth.media_urls import PARAMS
from tuneton.catalog_values import BlobNotFound
from tuneton.ports import BlobStore, ReadStore
from tuneton.web.responses import unprocessable

router = APIRouter(tags=["render queries"])
AssetKey = Annotated[str, Path(pattern="^[0-9a-f]{64}$", description="The render's asset key (64 hex digits).")]
Seconds = Annotated[float | None, Query(ge=0, allow_inf_nan=False)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Problem, "description": "No such render."},
    **CONSISTENT_RESPONSES,
}
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The bytes.",
        "content": {"application/vnd.apple.mpegurl": {}, "audio/mp4": {}, "audio/mpeg": {}},
    },
    206: {"description": "The requested byte range (segments, init and mp3)."},
    304: {"description": "Not modified (If-None-Match)."},
    403: {"model": Problem, "description": "Expired, tampered or missing (when required) URL signature."},
    404: {"model": Problem, "description": "No such render or file, or the render has no files (queued, failed)."},
    416: {"description": "Range not satisfiable."},
}
_FILES_GET = {**_FILES, **TOO_MANY_STREAMS}
_MAX_PLAYLIST_BYTES = 4 * 1024 * 1024


@router.get("/v1/renders/{asset_key}", response_model=RenderPublic, responses=_NOT_FOUND, dependencies=[Consistent])
async def get_render(
    asset_key: AssetKey, store: ReadStoreDep, user: OptionalUser, links: MediaLinksDep
) -> RenderPublic:
    """A render's status and progress, where to play it, and the result (tempo, key, loudness) once ready."""
    return render_public(await _visible_row(store, asset_key, user), links)


@router.get(
    "/v1/renders/{asset_key}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "SSE frames."}, **_NOT_FOUND},
    dependencies=[Consistent],
)
async def render_events(
    request: Request, asset_key: AssetKey, store: ReadStoreDep, user: OptionalUser, links: MediaLinksDep
) -> StreamingResponse:
    """Server-Sent Events: the current status first (``progress``), one frame per change, then ``ready`` or ``failed``.

    Each frame's data is the same JSON as ``GET /v1/renders/{asset_key}``; its ``id`` is the render's
    version. A ``: heartbeat`` comment comes every 10 s; the stream ends after the final frame.
    """
    await _visible_row(store, asset_key, user)

    async def fetch() -> RenderPublic | None:
        row = await reader.render(store, asset_key)
        return render_public(row, links) if row is not None else None

    frames = progress_frames(fetch, disconnected=request.is_disconnected)
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # the gateway must not buffer SSE
    return StreamingResponse(frames, media_type="text/event-stream", headers=headers)


@router.get("/v1/renders/{asset_key}/files/{name}", responses=_FILES_GET)
@router.head("/v1/renders/{asset_key}/files/{name}", responses=_FILES)  # one route per method: unique operation ids
async def render_files(
    request: Request,
    asset_key: AssetKey,
    name: Annotated[str, Path(max_length=32, description="playlist.m3u8, init.mp4, seg_NNNNN.m4s or render.mp3")],
    store: ReadStoreDep,
    blobs: BlobStoreDep,
    user: MediaViewer,
    links: MediaLinksDep,
    admit: StreamAdmission,
) -> Response:
    """One file of a rendering or ready render: the HLS playlist and segments, or the MP3 (Range supported).

    Opened with a signed URL (from the render's status), no header is needed; the playlist's entries
    carry the same signature. The init section, segments and MP3 of one render are one stream of the
    caller's concurrent streams (the playlist is not counted): 429 beyond ``max_streams_per_user``.
    """
    wanted = render_file(name)
    if wanted is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no render file {name!r}")
    row = await _visible_row(store, asset_key, user)
    if row["status"] not in SERVABLE or row["entry_key"] is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"the render is {row['status']}: it has no files")
    if not wanted.immutable:
        signed = [(name, request.query_params[name]) for name in PARAMS if name in request.query_params]
        query = urlencode(signed) if signed else links.render_query(asset_key)  # unsigned: the header's user
        return await _playlist(request, blobs, row, query)
    return await _immutable(request, blobs, row, wanted, admit)


@router.get(
    "/v1/renders/{asset_key}/positions",
    response_model=RenderPositionPublic,
    responses={**_NOT_FOUND, 422: unprocessable(description="Not exactly one finite position >= 0.")},
    dependencies=[Consistent],
)
async def render_positions(
    asset_key: AssetKey,
    store: ReadStoreDep,
    user: OptionalUser,
    original_s: Annotated[Seconds, Query(description="Seconds into the original track.")] = None,
    render_s: Annotated[Seconds, Query(description="Seconds into the render.")] = None,
) -> RenderPositionPublic:
    """The same musical moment in the other version (give exactly one of ``original_s`` and ``render_s``).

    Lets a player switch between the original and a render mid-play: ``render_s = original_s / tempo``.
    """
    if (original_s is None) == (render_s is None):
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "give exactly one of original_s and render_s")
    row = await _visible_row(store, asset_key, user)
    tempo = float(row["tempo"])
    try:
        if original_s is not None:
            return RenderPositionPublic(
                original_s=original_s, render_s=to_render_time(original_s, tempo=tempo), tempo=tempo
            )
        assert render_s is not None
        return RenderPositionPublic(original_s=to_original_time(render_s, tempo=tempo), render_s=render_s, tempo=tempo)
    except ParameterError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from None


async def _visible_row(store: ReadStore, asset_key: str, user: str | None) -> dict[str, Any]:
    row = await reader.render(store, asset_key)
    if row is None or not visible(row, user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such render")
    return row


async def _immutable(
    request: Request, blobs: BlobStore, row: dict[str, Any], wanted: RenderFile, admit: Admit
) -> Response:
    """Segments, init and mp3 are written once: cacheable forever, with Range (query_api/blobs.py)."""
    key = blob_key(row, wanted.name)
    try:
        info = await blobs.stat(key)
    except BlobNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"{wanted.name} is not stored (yet)") from None
    # The asset key names the content and the file is never rewritten, so key + size is a strong validator.
    tag = hashlib.sha256(f"{key}:{info.size}".encode()).hexdigest()
    served = Served(key=key, sha256=tag, size=info.size, mime_type=wanted.content_type, private=is_private(row))
    return await serve_blob(request, blobs, served, version=tag, admit=admit)


async def _playlist(request: Request, blobs: BlobStore, row: dict[str, Any], query: str) -> Response:
    """The playlist is rewritten as it grows: read it whole (it is small), so body and ETag always agree.

    Its entries get ``query`` (the signature it was opened with, or one for the caller).

    Revalidated (``no-cache``) until the render is ready and the playlist ends (#EXT-X-ENDLIST);
    after that it never changes again.
    """
    key = blob_key(row, "playlist.m3u8")
    try:
        body = sign_playlist(await blobs.read_bytes(key, length=_MAX_PLAYLIST_BYTES), query)
    except BlobNotFound:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "playlist.m3u8 is not stored (yet)") from None
    etag = f'"{hashlib.sha256(body).hexdigest()}"'
    scope = "private" if is_private(row) else "public"
    final = row["status"] == "ready" and b"#EXT-X-ENDLIST" in body
    cache = f"{scope}, max-age={YEAR_S}, immutable" if final else f"{scope}, no-cache"
    headers = {"ETag": etag, "Cache-Control": cache}
    tags = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    if etag in tags or "*" in tags:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    content = b"" if request.method == "HEAD" else body
    headers["Content-Length"] = str(len(body))
    return Response(content, headers=headers, media_type="application/vnd.apple.mpegurl")
