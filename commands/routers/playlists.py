"""Playlist commands: create, rename, describe, delete, add/remove/move items, visibility."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import JSONResponse

from commands.deps import CommandCall
from commands.dispatch import REJECTION_RESPONSES, dispatch
from commands.schemas import (
    CommandAccepted,
    ItemAdd,
    ItemMove,
    PlaylistCreate,
    PlaylistDescribe,
    PlaylistRename,
    PlaylistVisibility,
    Rejection,
)
from tuneton.domain.playlist import commands as c
from tuneton.events.envelope import derived_id

router = APIRouter(prefix="/v1/playlists", tags=["playlist commands"], responses=REJECTION_RESPONSES)

PlaylistId = Annotated[str, Path(min_length=1, max_length=128)]
ItemId = Annotated[str, Path(min_length=1, max_length=128)]
Accepted = CommandAccepted | JSONResponse


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CommandAccepted)
async def create_playlist(body: PlaylistCreate, call: CommandCall) -> Accepted:
    """Create a playlist owned by the caller; its id is derived from the command id (retry-safe)."""
    playlist_id = str(uuid.UUID(derived_id(call.command_id, "playlist")))
    command = c.CreatePlaylist(
        playlist_id=playlist_id, name=body.name, description=body.description, visibility=body.visibility
    )
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.put("/{playlist_id}/name", response_model=CommandAccepted)
async def rename_playlist(playlist_id: PlaylistId, body: PlaylistRename, call: CommandCall) -> Accepted:
    """Rename the playlist."""
    command = c.RenamePlaylist(playlist_id=playlist_id, name=body.name)
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.put("/{playlist_id}/description", response_model=CommandAccepted)
async def describe_playlist(playlist_id: PlaylistId, body: PlaylistDescribe, call: CommandCall) -> Accepted:
    """Replace the description."""
    command = c.DescribePlaylist(playlist_id=playlist_id, description=body.description)
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.put("/{playlist_id}/visibility", response_model=CommandAccepted)
async def set_visibility(playlist_id: PlaylistId, body: PlaylistVisibility, call: CommandCall) -> Accepted:
    """Make the playlist private, unlisted or public."""
    command = c.SetVisibility(playlist_id=playlist_id, visibility=body.visibility)
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.delete("/{playlist_id}", response_model=CommandAccepted)
async def delete_playlist(playlist_id: PlaylistId, call: CommandCall) -> Accepted:
    """Delete the playlist."""
    command = c.DeletePlaylist(playlist_id=playlist_id)
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.post("/{playlist_id}/items", status_code=status.HTTP_201_CREATED, response_model=CommandAccepted)
async def add_track(request: Request, playlist_id: PlaylistId, body: ItemAdd, call: CommandCall) -> Accepted:
    """Append a track, or insert it after ``after_item_id``; the response names the new item.

    The track must exist and be visible to the caller (404 ``track_not_found`` otherwise, nothing
    recorded). A track uploaded a moment ago is known once ``GET /v1/tracks/{id}`` answers with the
    upload's consistency token.
    """
    if await request.app.state.track_access.visible_track(body.track_id, call.user) is None:
        return _track_not_found(body.track_id, call.command_id)
    item_id = derived_id(call.command_id, "item")
    command = c.AddTrack(
        playlist_id=playlist_id, item_id=item_id, track_id=body.track_id, after_item_id=body.after_item_id
    )
    return await dispatch(call, command, aggregate_id=playlist_id, item_id=item_id)


@router.delete("/{playlist_id}/items/{item_id}", response_model=CommandAccepted)
async def remove_item(playlist_id: PlaylistId, item_id: ItemId, call: CommandCall) -> Accepted:
    """Remove one item."""
    command = c.RemoveItem(playlist_id=playlist_id, item_id=item_id)
    return await dispatch(call, command, aggregate_id=playlist_id)


@router.post("/{playlist_id}/items/{item_id}/move", response_model=CommandAccepted)
async def move_item(playlist_id: PlaylistId, item_id: ItemId, body: ItemMove, call: CommandCall) -> Accepted:
    """Move an item after another one, or to the top with ``after_item_id: null``."""
    command = c.MoveItem(playlist_id=playlist_id, item_id=item_id, after_item_id=body.after_item_id)
    return await dispatch(call, command, aggregate_id=playlist_id)


def _track_not_found(track_id: str, command_id: str) -> JSONResponse:
    refusal = Rejection(
        reason="track_not_found",
        kind="not_found",
        message=f"no track {track_id} you can see",
        details={"track_id": track_id},
        command_id=command_id,
    )
    return JSONResponse(refusal.model_dump(), status_code=status.HTTP_404_NOT_FOUND)
