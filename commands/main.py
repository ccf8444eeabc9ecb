"""The command API's routers, for the composition root to mount."""

from __future__ import annotations

from fastapi import APIRouter

from commands.errors import EXCEPTION_HANDLERS
from commands.routers import auth, listening, playlists, renders, tracks, users


def streams_own_body(method: str, path: str) -> bool:
    """Whether the route at ``method path`` limits its body itself (uploads stream under their own limit)."""
    return any(method == m and pattern.fullmatch(path) for m, pattern in tracks.STREAMED_BODIES)


# Included one by one into the app, not nested under one router: FastAPI (0.137 and later) resolves an
# included router per request, level by level, so every level of nesting is paid on every request.
ROUTERS: tuple[APIRouter, ...] = (
    playlists.router,  # first: adding and moving items is the hottest command
    auth.router,
    users.router,
    tracks.router,
    renders.router,
    listening.router,
)

__all__ = ["EXCEPTION_HANDLERS", "ROUTERS", "streams_own_body"]
