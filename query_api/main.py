"""The query API's routers, for the composition root to mount."""

from __future__ import annotations

from fastapi import APIRouter

from query_api.routers import listening, media, playlists, renders, tracks, users

router = APIRouter()
router.include_router(playlists.router)
router.include_router(users.router)
router.include_router(tracks.router)
router.include_router(media.router)
router.include_router(renders.router)
router.include_router(listening.router)
