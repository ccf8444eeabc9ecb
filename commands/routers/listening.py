"""Listening-session commands: the caller's queue and playback (``/v1/me/queue``, ``/v1/me/session``).

The session's id is the caller's user id, so the routes need none. Item ids and the shuffle seed are
derived from the command id, so a retry with the same Idempotency-Key decides the same events. Tracks
are resolved here (``commands.lookups``): one the caller cannot see is ``404 track_not_found``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import JSONResponse

from commands import lookups
from commands.bus import CommandBus
from commands.deps import BusDep, CommandId, CurrentUser
from commands.dispatch import REJECTION_RESPONSES, dispatch
from commands.schemas import (
    CommandAccepted,
    DeviceBody,
    EndedBody,
    ItemMove,
    PauseBody,
    PlayCollectionBody,
    PlayTrack,
    PositionBody,
    QueueAccepted,
    QueueTrack,
    QueueTracks,
    Rejection,
    RenditionBody,
    RepeatBody,
    ShuffleBody,
)
from tuneton.domain.listening import commands as c
from tuneton.domain.listening.values import QueueEntry
from tuneton.events.envelope import derived_id

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "A track or playlist you cannot see (track_not_found, playlist_not_found)."}
}
router = APIRouter(prefix="/v1/me", tags=["listening commands"], responses={**REJECTION_RESPONSES, **_NOT_FOUND})

ItemId = Annotated[str, Path(min_length=1, max_length=128)]
Accepted = CommandAccepted | JSONResponse
Queued = QueueAccepted | JSONResponse


async def _send(bus: CommandBus, command: Any, user: str, command_id: str) -> Accepted:
    return await dispatch(bus, command, aggregate_id=user, actor_id=user, command_id=command_id)


async def _entries(request: Request, track_ids: list[str], user: str, command_id: str) -> tuple[QueueEntry, ...]:
    lengths = await lookups.track_lengths(request.app.state.read_store, track_ids, user)
    return tuple(
        QueueEntry(item_id=derived_id(command_id, f"item/{n}"), track_id=track_id, duration_ms=length)
        for n, (track_id, length) in enumerate(zip(track_ids, lengths, strict=True))
    )


async def _queued(bus: CommandBus, command: Any, entries: tuple[QueueEntry, ...], user: str, command_id: str) -> Queued:
    answer = await _send(bus, command, user, command_id)
    if isinstance(answer, JSONResponse):
        return answer
    return QueueAccepted(**answer.model_dump(), item_ids=[entry.item_id for entry in entries])


def _seed(command_id: str) -> int:
    """A shuffle seed fixed by the command id (a retry shuffles the same way); 48 bits fit Avro's long."""
    return uuid.UUID(derived_id(command_id, "shuffle")).int >> 80


@router.post("/queue/play-now", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_now(request: Request, body: PlayTrack, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Queued:
    """Insert the track after the current item and play it on ``device_id`` (which takes the session over)."""
    entries = await _entries(request, [body.track_id], user, command_id)
    command = c.PlayNow(session_id=user, device_id=body.device_id, entry=entries[0])
    return await _queued(bus, command, entries, user, command_id)


@router.post("/queue/play-next", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_next(
    request: Request, body: QueueTrack, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> Queued:
    """Insert the track right after the current item."""
    entries = await _entries(request, [body.track_id], user, command_id)
    return await _queued(bus, c.PlayNext(session_id=user, entry=entries[0]), entries, user, command_id)


@router.post("/queue/items", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def add_to_queue(
    request: Request, body: QueueTracks, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> Queued:
    """Append the tracks to the queue, in order."""
    entries = await _entries(request, body.track_ids, user, command_id)
    return await _queued(bus, c.AddToQueue(session_id=user, entries=entries), entries, user, command_id)


@router.delete("/queue/items/{item_id}", response_model=CommandAccepted)
async def remove_from_queue(item_id: ItemId, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Take an item out of the queue; removing the current item plays the next one."""
    return await _send(bus, c.RemoveFromQueue(session_id=user, item_id=item_id), user, command_id)


@router.post("/queue/items/{item_id}/move", response_model=CommandAccepted)
async def move_in_queue(
    item_id: ItemId, body: ItemMove, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> Accepted:
    """Move an item after ``after_item_id``, or to the front with ``after_item_id: null``."""
    command = c.MoveInQueue(session_id=user, item_id=item_id, after_item_id=body.after_item_id)
    return await _send(bus, command, user, command_id)


@router.post("/queue/items/{item_id}/play", response_model=CommandAccepted)
async def jump_to(item_id: ItemId, body: DeviceBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Play this queue item now."""
    return await _send(bus, c.JumpTo(session_id=user, device_id=body.device_id, item_id=item_id), user, command_id)


@router.delete("/queue", response_model=CommandAccepted)
async def clear_queue(bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Empty the queue, except for the item playing now."""
    return await _send(bus, c.ClearQueue(session_id=user), user, command_id)


@router.post("/queue/play", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_collection(
    request: Request, body: PlayCollectionBody, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> Queued:
    """Replace the queue with a playlist or a list of tracks (a search result) and play entry ``index``.

    A playlist's tracks you can no longer play (removed, made private) are left out.
    """
    if (body.playlist_id is None) == (body.track_ids is None):
        refused = Rejection(reason="invalid_value", kind="invalid", command_id=command_id,
                            message="give exactly one of playlist_id and track_ids")  # fmt: skip
        return JSONResponse(refused.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    track_ids, index = body.track_ids or [], body.index
    if body.playlist_id is not None:
        listed = await lookups.playlist_tracks(request.app.state.read_store, body.playlist_id, user)
        found = await lookups.playable(request.app.state.read_store, listed, user)
        track_ids = [t for t in listed if t in found]
        index = sum(1 for t in listed[: body.index] if t in found)
    entries = await _entries(request, track_ids, user, command_id) if track_ids else ()
    source = body.source or (f"playlist:{body.playlist_id}" if body.playlist_id else "")
    command = c.PlayCollection(
        session_id=user,
        device_id=body.device_id,
        entries=entries,
        start_index=index,
        seed=_seed(command_id),
        source=source,
    )
    return await _queued(bus, command, entries, user, command_id)


@router.post("/session/next", response_model=CommandAccepted)
async def skip_to_next(body: DeviceBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Go to the next item (wraps with repeat all, stops at the end otherwise)."""
    return await _send(bus, c.SkipToNext(session_id=user, device_id=body.device_id), user, command_id)


@router.post("/session/previous", response_model=CommandAccepted)
async def skip_to_previous(body: DeviceBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Restart the track after its first 3 s, else go to the previous item (the one that played before)."""
    return await _send(bus, c.SkipToPrevious(session_id=user, device_id=body.device_id), user, command_id)


@router.post("/session/resume", response_model=CommandAccepted)
async def resume(body: DeviceBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Play on this device from where the session is now; a device playing elsewhere is superseded."""
    return await _send(bus, c.Resume(session_id=user, device_id=body.device_id), user, command_id)


@router.post("/session/pause", response_model=CommandAccepted)
async def pause(body: PauseBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Pause at ``position_ms`` (409 device_superseded from a device that no longer plays the session)."""
    command = c.Pause(session_id=user, device_id=body.device_id, position_ms=body.position_ms)
    return await _send(bus, command, user, command_id)


@router.post("/session/position", response_model=CommandAccepted)
async def report_position(body: PositionBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Report the playing position; kept every 15 s and after seeks (others are accepted as no-ops)."""
    command = c.ReportPosition(
        session_id=user, device_id=body.device_id, item_id=body.item_id, position_ms=body.position_ms
    )
    return await _send(bus, command, user, command_id)


@router.post("/session/ended", response_model=CommandAccepted)
async def report_ended(body: EndedBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """The track played to its end: play what comes next (the same one with repeat one)."""
    command = c.ReportEnded(session_id=user, device_id=body.device_id, item_id=body.item_id)
    return await _send(bus, command, user, command_id)


@router.post("/session/rendition", response_model=CommandAccepted)
async def switch_rendition(
    request: Request, body: RenditionBody, bus: BusDep, user: CurrentUser, command_id: CommandId
) -> Accepted:
    """Switch what plays between the original and its renders; the session resumes at the same musical moment.

    The answer's session (``GET /v1/me/session``) holds the position in the new rendition (the renders'
    position mapping, ``t_render = t_original / tempo``). ``409 render_not_ready`` for a queued render (or an
    MP3 still rendering), ``409 render_failed``, ``404 render_not_found`` for a render of another track.
    """
    track_id, tempo, duration = None, 1.0, 0  # the original: the decider knows its length from the queue
    if body.asset_key is not None:
        track_id, tempo, duration = await lookups.rendition(request.app.state.read_store, body.asset_key, user)
    command = c.SwitchRendition(session_id=user, device_id=body.device_id, item_id=body.item_id,
                                asset_key=body.asset_key, tempo=tempo, duration_ms=duration,
                                position_ms=body.position_ms, track_id=track_id)  # fmt: skip
    return await _send(bus, command, user, command_id)


@router.put("/session/shuffle", response_model=CommandAccepted)
async def set_shuffle(body: ShuffleBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """Shuffle the items after the current one (a stable order), or put them back in their order."""
    command = c.SetShuffle(session_id=user, enabled=body.enabled, seed=_seed(command_id) if body.enabled else 0)
    return await _send(bus, command, user, command_id)


@router.put("/session/repeat", response_model=CommandAccepted)
async def set_repeat(body: RepeatBody, bus: BusDep, user: CurrentUser, command_id: CommandId) -> Accepted:
    """``off``, ``one`` (a track that ends starts again) or ``all`` (the queue loops)."""
    return await _send(bus, c.SetRepeat(session_id=user, mode=body.mode), user, command_id)
