"""The command API's routers, for the composition root to mount."""

from __future__ import annotations

from fastapi import APIRouter

from commands.errors import EXCEPTION_HANDLERS
from commands.routers import auth, listening, playlists, renders, tracks, users


def streams_own_body(method: str, path: str) -> bool:
    """Whether the route at ``method path`` limits its body itself (uploads stream under their own limit)."""
    return any(method == m and pattern.fullmatch(path) for m, pattern in tracks.STREAMED_BODIES)


# Included one by one into the app (tuneton/server.py), after the probes. FastAPI (0.137 and later)
# resolves included routers per request, trying routes in order at a few µs each: earlier is found sooner
# (benchmarks/route_resolution.py).
ROUTERS: tuple[APIRouter, ...] = (
    playlists.router,  # first: found soonest; item commands are what benchmarks/backbone.py drives
    auth.router,
    users.router,
    tracks.router,
    renders.router,
    listening.router,
)

__all__ = ["EXCEPTION_HANDLERS", "ROUTERS", "streams_own_body"]
