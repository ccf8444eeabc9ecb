"""Refuse oversized request headers with 431 (RFC 6585) before any route parses them.

uvicorn's httptools parser takes headers of any size (8 MB arrived whole in a test). The gateway bounds
what reaches the process in production (nginx ``large_client_header_buffers``); this bounds what the
routes see when nothing is in front: an identity header, a consistency token or a cookie of megabytes
is refused as such instead of being parsed, logged or echoed.
"""

from __future__ import annotations

from fastapi import status
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class HeaderLimit:
    """ASGI middleware: 431 when the request's header names and values exceed ``max_bytes`` in total."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self._app = app
        self._max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            total = sum(len(name) + len(value) for name, value in scope["headers"])
            if total > self._max_bytes:
                detail = f"the request headers exceed {self._max_bytes} bytes"
                response = JSONResponse({"detail": detail}, status_code=status.HTTP_431_REQUEST_HEADER_FIELDS_TOO_LARGE)
                await response(scope, receive, send)
                return
        await self._app(scope, receive, send)
