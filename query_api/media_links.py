"""Signed media URLs on the query side: the links a response hands out, and who a media request is.

Every cover, audio and render-file URL in a response is signed for the caller (one signature per
track or render, see :mod:`tuneton.auth.media_urls`). A media request with ``exp``/``kid``/``sig``
is answered as the user the URL was issued to — a bad, expired or tampered signature is 403, never a
fallback to anonymous; one without them uses the caller's identity header, unless the deployment
requires signatures (``media_require_signature``).
"""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from query_api.deps import OptionalUser
from tuneton.auth.media_urls import PARAMS, MediaUrlError, MediaUrlSigner, render_prefix, track_prefix


class MediaLinks:
    """Signs the media URLs of one response for one viewer (each prefix signed once)."""

    def __init__(self, signer: MediaUrlSigner, viewer: str | None, *, now: float) -> None:
        self._signer, self._viewer, self._now = signer, viewer, now
        self._queries: dict[str, str] = {}

    def track(self, track_id: str, url: str) -> str:
        """A cover or audio URL of ``track_id``, signed."""
        return self._sign(track_prefix(track_id), url)

    def render(self, asset_key: str, url: str) -> str:
        """A file URL of render ``asset_key``, signed."""
        return self._sign(render_prefix(asset_key), url)

    def render_query(self, asset_key: str) -> str:
        """The bare query string that opens every file of a render (for HLS playlist entries)."""
        return self._query(render_prefix(asset_key))

    def _sign(self, prefix: str, url: str) -> str:
        if not url.startswith(prefix):
            msg = f"{url!r} is not under {prefix!r}"
            raise ValueError(msg)
        return f"{url}{'&' if '?' in url else '?'}{self._query(prefix)}"

    def _query(self, prefix: str) -> str:
        if prefix not in self._queries:
            self._queries[prefix] = self._signer.query(prefix, self._viewer, now=self._now)
        return self._queries[prefix]


def signer_of(request: Request) -> MediaUrlSigner:
    """The process's signer (built from the key file when the app starts)."""
    signer: MediaUrlSigner = request.app.state.media_urls
    return signer


async def media_links(request: Request, user: OptionalUser) -> MediaLinks:
    """Links for this caller, signed now."""
    return MediaLinks(signer_of(request), user, now=time.time())


def media_prefix(request: Request) -> str:
    """The signed prefix a media request lies under: its track's or its render's."""
    if "track_id" in request.path_params:
        return track_prefix(request.path_params["track_id"])
    return render_prefix(request.path_params["asset_key"])


async def media_viewer(request: Request, user: OptionalUser) -> str | None:
    """Who is fetching these bytes: the signed URL's user, else the header's; 403 for a bad signature."""
    query = request.query_params
    if not any(name in query for name in PARAMS):
        if request.app.state.settings.media_require_signature:
            raise HTTPException(status.HTTP_403_FORBIDDEN, "signature_required: media URLs must be signed")
        return user
    try:
        grant = signer_of(request).verify(media_prefix(request), query, now=time.time())
    except MediaUrlError as error:
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{error.reason}: {error}") from None
    return grant.user


MediaLinksDep = Annotated[MediaLinks, Depends(media_links)]
MediaViewer = Annotated[str | None, Depends(media_viewer)]
