"""Serving blobs over HTTP: validators, caching, and single byte ranges (RFC 9110 §13-§14).

* ``ETag`` is the SHA-256 of the bytes (the blob's content-addressed key already is that hash).
* URLs the API hands out carry ``?v=<sha256>``; a request whose ``v`` matches gets
  ``Cache-Control: ... max-age=31536000, immutable`` — the URL can never name other bytes. Without
  (or with a stale) ``v`` the answer must be revalidated (``no-cache``), since a track's cover can be
  replaced. Private tracks say ``private`` so shared caches keep nothing.
* ``Range: bytes=a-b | a- | -n`` gets 206 with ``Content-Range``; a range that starts past the end,
  ends before it starts, or is an empty suffix gets 416 with ``Content-Range: bytes */size``. A header
  we cannot parse, another unit or several ranges are ignored (the whole body, 200), as the RFC
  allows. ``If-Range`` with another validator also means the whole body.
* Offload (``media_offload``): once visibility and ``If-None-Match`` are settled here, a GET may be
  handed to the gateway (``X-Accel-Redirect`` to its internal location over the blob directory: nginx
  sends the bytes, with the same Range/If-Range rules, ETag and Cache-Control) or redirected (307) to a
  presigned object-store URL. HEAD, 304 and blobs a store cannot offload are answered here.
* Audio routes pass ``admit``: a body (sent here or offloaded) takes a slot of the caller's stream,
  held until the body ends (:mod:`query_api.stream_cap`); over ``max_streams_per_user`` it is 429.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.background import BackgroundTask
from starlette.types import Receive, Scope, Send

from query_api.stream_cap import Admit, too_many_streams
from query_api.stream_slots import Slot, TooManyStreams
from tuneton.catalog_values import InvalidRange
from tuneton.ports import BlobStore

YEAR_S = 31_536_000
# A body up to this size is read in one go and sent as one message: a seeking player's ranges and HLS
# segments. Streaming it instead cost a disconnect-listener task, a background close and a thread hop
# per chunk for what is one write (measured with ``benchmarks/streaming.py --profile``); larger bodies
# stream in the store's chunks, so memory per request stays bounded either way.
SMALL_BODY_BYTES = 256 * 1024
_SPEC = re.compile(r"^\s*(\d*)\s*-\s*(\d*)\s*$")


class RangeNotSatisfiable(Exception):
    """The requested range does not overlap the blob (416)."""


@dataclass(frozen=True, kw_only=True)
class Served:
    """What to send of a blob: its key, validators and how to cache it."""

    key: str
    sha256: str
    size: int
    mime_type: str
    private: bool


def parse_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte, inclusive; None for the whole body; raises :class:`RangeNotSatisfiable`."""
    if header is None or not header.strip().lower().startswith("bytes="):
        return None
    specs = header.strip()[6:].split(",")
    match = _SPEC.match(specs[0]) if len(specs) == 1 else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # suffix: the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            raise RangeNotSatisfiable
        return max(0, size - count), size - 1
    start = int(first)
    end = size - 1 if last == "" else int(last)
    if start >= size or end < start:
        raise RangeNotSatisfiable
    return start, min(end, size - 1)


def cache_control(served: Served, version: str | None) -> str:
    """Immutable for versioned URLs, revalidate otherwise; private tracks never in shared caches."""
    scope = "private" if served.private else "public"
    if version is not None and version == served.sha256:
        return f"{scope}, max-age={YEAR_S}, immutable"
    return f"{scope}, no-cache"


async def serve_blob(
    request: Request, blobs: BlobStore, served: Served, *, version: str | None, admit: Admit = Slot
) -> Response:
    """The response for GET or HEAD of a blob, honouring If-None-Match, Range and If-Range.

    ``admit`` (audio routes) opens a stream slot when a body is about to be sent — here, by the gateway
    or by the object store — and the answer is 429 when the caller has too many streams playing.
    HEAD, 304 and 416 send no body and take no slot.
    """
    etag = f'"{served.sha256}"'
    headers = {"ETag": etag, "Cache-Control": cache_control(served, version), "Accept-Ranges": "bytes"}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    try:
        return await _answer(request, blobs, served, headers, admit)
    except TooManyStreams as refused:
        return too_many_streams(refused)


async def _answer(
    request: Request, blobs: BlobStore, served: Served, headers: dict[str, str], admit: Admit
) -> Response:
    """The offload answer, or the (ranged) body sent from here holding a stream slot until it ends."""
    if request.method == "GET":
        offloaded = await _offload(request, blobs, served, headers)
        if offloaded is not None:
            admit().close()  # the gateway or the object store sends the body: the stream's lease runs from now
            return offloaded
    if_range = request.headers.get("if-range")
    wanted = request.headers.get("range") if if_range is None or if_range.strip() == headers["ETag"] else None
    try:
        span = parse_range(wanted, served.size)
    except RangeNotSatisfiable:
        body = {"reason": "range_not_satisfiable", "message": f"the blob has {served.size} bytes"}
        return JSONResponse(body, status_code=416, headers={**headers, "Content-Range": f"bytes */{served.size}"})
    first, last = span or (0, served.size - 1)
    length = max(0, last - first + 1)
    code = status.HTTP_206_PARTIAL_CONTENT if span else status.HTTP_200_OK
    headers["Content-Length"] = str(length)
    if span:
        headers["Content-Range"] = f"bytes {first}-{last}/{served.size}"
    if request.method == "HEAD":
        return Response(status_code=code, headers=headers, media_type=served.mime_type)
    slot = admit()
    if length <= SMALL_BODY_BYTES:
        return await _small_body(blobs, served, first, length, slot, code=code, headers=headers)
    try:
        read = await blobs.get(served.key, offset=first, length=length)
    except InvalidRange:  # the stored blob is shorter than recorded: treat like any unsatisfiable range
        slot.close()
        return JSONResponse({"reason": "range_not_satisfiable"}, status_code=416)
    except BaseException:
        slot.close()
        raise
    return HeldStreamingResponse(
        read.chunks(),
        slot=slot,
        status_code=code,
        headers=headers,
        media_type=served.mime_type,
        background=BackgroundTask(read.aclose),
    )


async def _small_body(
    blobs: BlobStore, served: Served, first: int, length: int, slot: Slot, *, code: int, headers: dict[str, str]
) -> Response:
    """The slice read into memory, sent holding ``slot``; 416 when the stored blob is shorter than recorded."""
    try:
        body = await blobs.read_bytes(served.key, offset=first, length=length)
    except InvalidRange:
        body = b""  # the stored blob is shorter than recorded: 416 below, as on the streamed path
    except BaseException:
        slot.close()
        raise
    if len(body) != length:
        slot.close()
        return JSONResponse({"reason": "range_not_satisfiable"}, status_code=416)
    return HeldResponse(body, slot=slot, status_code=code, headers=headers, media_type=served.mime_type)


class HeldResponse(Response):
    """A body in memory that holds a stream slot until it has been sent (or the send failed)."""

    def __init__(self, content: bytes, *, slot: Slot, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._slot = slot

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response; the slot frees however it ends."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slot.close()


class HeldStreamingResponse(StreamingResponse):
    """A body that holds a stream slot until its last byte is sent, or the client goes away.

    The slot is closed as soon as the body ends (before the background task closes the blob), and
    again — harmlessly — when the response is done however it ended (a disconnect raises).
    """

    def __init__(self, content: AsyncIterator[bytes], *, slot: Slot, **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._slot = slot

    async def stream_response(self, send: Send) -> None:
        """Send the body; the slot frees the moment it has been sent."""
        try:
            await super().stream_response(send)
        finally:
            self._slot.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Send the response; the slot frees however it ends."""
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._slot.close()


async def _offload(request: Request, blobs: BlobStore, served: Served, headers: dict[str, str]) -> Response | None:
    """The response that lets the gateway or the object store send the bytes, or None: send them here."""
    settings = request.app.state.settings
    if settings.media_offload == "x-accel":
        # nginx keeps Content-Type and Cache-Control of this response; the ETag is re-added by the
        # internal location (infra/gateway), which then evaluates Range and If-Range against it.
        # Accept-Ranges is nginx's to add (it would be sent twice).
        kept = {name: value for name, value in headers.items() if name != "Accept-Ranges"}
        accel = {**kept, "X-Accel-Redirect": f"{settings.media_accel_prefix}{served.key}"}
        return Response(status_code=status.HTTP_200_OK, headers=accel, media_type=served.mime_type)
    if settings.media_offload == "presigned":
        url = await blobs.url(served.key, expires_s=settings.media_url_ttl_s)
        if url is not None:
            cache = f"private, max-age={min(300, settings.media_url_ttl_s // 2)}"
            return Response(
                status_code=status.HTTP_307_TEMPORARY_REDIRECT, headers={"Location": url, "Cache-Control": cache}
            )
    return None


def _matches(if_none_match: str | None, etag: str) -> bool:
    """Weak comparison, as If-None-Match uses: ``*`` or any listed tag equal to ours."""
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or etag in tags
