"""Listening reads: the caller's session and queue, history, recently played, continue listening, counts."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query

from query_api.deps import CONSISTENT_RESPONSES, Consistent, Limit, Offset, ReadStoreDep, RequiredUser
from query_api.listening_views import (
    PlaysPublic,
    QueuePublic,
    SessionPublic,
    TracksPlayedPublic,
    play_view,
    queue_view,
    session_view,
    tracks_played,
)
from query_api.prefetch import UpNextPublic, session_state, up_next_view
from query_api.readers import listening as reader
from query_api.readers import tracks as tracks_reader
from tuneton.domain.listening.playback import up_next as up_next_item
from tuneton.web.responses import UNAUTHORIZED

router = APIRouter(
    tags=["listening queries"], dependencies=[Consistent], responses={**CONSISTENT_RESPONSES, **UNAUTHORIZED}
)
DeviceId = Annotated[str | None, Query(max_length=64, description="This player's id: answers this_device_active.")]


@router.get("/v1/me/session", response_model=SessionPublic)
async def my_session(store: ReadStoreDep, user: RequiredUser, device_id: DeviceId = None) -> SessionPublic:
    """What plays, where, and from which position: a device that reconnects or picks up resumes from here.

    ``this_device_active: false`` tells a player that another device took the session over.
    """
    row = await reader.session(store, user)
    return session_view(row, now_ms=int(time.time() * 1000), device_id=device_id)


@router.get("/v1/me/queue", response_model=QueuePublic)
async def my_queue(store: ReadStoreDep, user: RequiredUser) -> QueuePublic:
    """The queue in play order (shuffled order while shuffle is on), the current item marked."""
    row = await reader.session(store, user)
    current = None if row is None else row["item_id"]
    return queue_view(await reader.queue(store, user), current_item=current, viewer=user)


@router.get("/v1/me/queue/next", response_model=UpNextPublic)
async def up_next(store: ReadStoreDep, user: RequiredUser) -> UpNextPublic:
    """What plays when the current track ends, with a prefetch hint (URL, first byte range, duration).

    A client preloads that range while the current track plays and switches without a gap; the session's
    own rule picks the item (repeat one: the same track; repeat all: the queue loops).
    """
    row = await reader.session(store, user)
    state = session_state(row, await reader.queue(store, user))
    following = up_next_item(state)
    tracks = await tracks_reader.tracks_by_id(store, [] if following is None else [following.track_id])
    return up_next_view(state, tracks, viewer=user)


@router.get("/v1/me/history", response_model=PlaysPublic)
async def my_history(store: ReadStoreDep, user: RequiredUser, limit: Limit = 50, offset: Offset = 0) -> PlaysPublic:
    """Every play, newest first: started, how far it got, heard time, finished or skipped."""
    rows = await reader.history(store, user, limit=limit, offset=offset)
    return PlaysPublic(data=[play_view(r) for r in rows], count=len(rows))


@router.get("/v1/me/recent", response_model=TracksPlayedPublic)
async def recently_played(store: ReadStoreDep, user: RequiredUser, limit: Limit = 20) -> TracksPlayedPublic:
    """Tracks recently played, most recent first (each once)."""
    return tracks_played(await reader.recently_played(store, user, limit=limit))


@router.get("/v1/me/continue", response_model=TracksPlayedPublic)
async def continue_listening(store: ReadStoreDep, user: RequiredUser, limit: Limit = 20) -> TracksPlayedPublic:
    """Tracks left unfinished, with the position to resume at."""
    return tracks_played(await reader.continue_listening(store, user, limit=limit))


@router.get("/v1/me/plays", response_model=TracksPlayedPublic)
async def my_play_counts(store: ReadStoreDep, user: RequiredUser, limit: Limit = 50) -> TracksPlayedPublic:
    """The caller's most played tracks (a play counts once finished or 30 s heard)."""
    return tracks_played(await reader.play_counts(store, viewer=user, session_id=user, limit=limit))


@router.get("/v1/plays", response_model=TracksPlayedPublic)
async def play_counts(store: ReadStoreDep, user: RequiredUser, limit: Limit = 50) -> TracksPlayedPublic:
    """Everybody's most played tracks among those the caller may see."""
    return tracks_played(await reader.play_counts(store, viewer=user, session_id=None, limit=limit))
