"""The command API's routers, for the composition root to mount."""

from __future__ import annotations

from fastapi import APIRouter

from commands.errors import EXCEPTION_HANDLERS
from commands.routers import auth, listening, playlists, renders, tracks, users


def streams_own_body(method: str, path: str) -> bool:
    """Whether the route at ``method path`` limits its body itself (uploads stream under their own limit)."""
    return any(method == m and pattern.fullmatch(path) for m, pattern in tracks.STREAMED_BODIES)


router = APIRouter()
router.include_router(auth.router)
router.include_router(playlists.router)
router.include_router(users.router)
router.include_router(tracks.router)
router.include_router(renders.router)
router.include_router(listening.router)

__all__ = ["EXCEPTION_HANDLERS", "router", "streams_own_body"]
