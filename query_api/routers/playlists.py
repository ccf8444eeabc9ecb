"""Playlist reads: mine, one by id (owner, or anyone when unlisted/public), public listings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, status

from query_api.deps import (
    CONSISTENT_RESPONSES,
    Consistent,
    ItemsLimit,
    Limit,
    Offset,
    OptionalUser,
    ReadStoreDep,
    RequiredUser,
)
from query_api.readers import playlists as reader
from query_api.schemas import PlaylistItemPublic, PlaylistPublic, PlaylistsPublic, PlaylistSummary, Problem, from_millis
from tuneton.ports import ReadStore
from tuneton.web.responses import UNAUTHORIZED

router = APIRouter(tags=["playlist queries"], dependencies=[Consistent], responses=CONSISTENT_RESPONSES)
PlaylistId = Annotated[str, Path(min_length=1, max_length=128)]
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such playlist."}}


@router.get("/v1/me/playlists", response_model=PlaylistsPublic, responses=UNAUTHORIZED)
async def my_playlists(
    store: ReadStoreDep, user: RequiredUser, limit: Limit = 50, offset: Offset = 0
) -> PlaylistsPublic:
    """The caller's playlists, most recently changed first."""
    rows = await reader.playlists_of(store, user, limit=limit, offset=offset)
    return PlaylistsPublic(data=[PlaylistSummary.from_row(r) for r in rows], count=await reader.count_of(store, user))


@router.get("/v1/playlists/{playlist_id}", response_model=PlaylistPublic, responses=_NOT_FOUND)
async def get_playlist(
    playlist_id: PlaylistId,
    store: ReadStoreDep,
    user: OptionalUser,
    items_limit: ItemsLimit = 1000,
    items_offset: Offset = 0,
) -> PlaylistPublic:
    """One playlist with its items in order. Private playlists exist only for their owner."""
    return await _readable(store, playlist_id, user, items_limit, items_offset)


@router.get("/v1/public/playlists", response_model=PlaylistsPublic)
async def public_playlists(store: ReadStoreDep, limit: Limit = 50, offset: Offset = 0) -> PlaylistsPublic:
    """Public playlists, newest changes first; no authentication needed."""
    rows = await reader.public_playlists(store, limit=limit, offset=offset)
    return PlaylistsPublic(data=[PlaylistSummary.from_row(r) for r in rows], count=len(rows))


@router.get("/v1/public/playlists/{playlist_id}", response_model=PlaylistPublic, responses=_NOT_FOUND)
async def public_playlist(
    playlist_id: PlaylistId, store: ReadStoreDep, items_limit: ItemsLimit = 1000, items_offset: Offset = 0
) -> PlaylistPublic:
    """A public or unlisted playlist by id, without authentication."""
    return await _readable(store, playlist_id, None, items_limit, items_offset)


async def _readable(store: ReadStore, playlist_id: str, user: str | None, limit: int, offset: int) -> PlaylistPublic:
    row = await reader.playlist(store, playlist_id, viewer=user)
    if row is None or (row["visibility"] == "private" and row["owner_id"] != user):
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such playlist")
    rows = await reader.items(store, playlist_id, viewer=user, limit=limit, offset=offset)
    items = [
        PlaylistItemPublic(
            item_id=r["item_id"], track_id=r["track_id"], position=offset + n, added_at=from_millis(r["added_at"])
        )
        for n, r in enumerate(rows)
    ]
    return PlaylistPublic(**PlaylistSummary.from_row(row).model_dump(), items=items)
