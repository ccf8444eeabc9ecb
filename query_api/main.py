"""The query API's routers, for the composition root to mount."""

from __future__ import annotations

from fastapi import APIRouter

from query_api.routers import listening, media, playlists, renders, tracks, users

# Included one by one into the app (commands/main.py says why).
ROUTERS: tuple[APIRouter, ...] = (
    listening.router,  # first: found soonest; the Mini App's player reads /v1/me/queue/next per track
    playlists.router,
    users.router,
    tracks.router,
    media.router,
    renders.router,
)
