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
from commands.deps import Call, CommandCall
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


async def _send(call: Call, command: Any) -> Accepted:
    return await dispatch(call, command, aggregate_id=call.user)


async def _entries(request: Request, call: Call, track_ids: list[str]) -> tuple[QueueEntry, ...]:
    lengths = await lookups.track_lengths(request.app.state.read_store, track_ids, call.user)
    return tuple(
        QueueEntry(item_id=derived_id(call.command_id, f"item/{n}"), track_id=track_id, duration_ms=length)
        for n, (track_id, length) in enumerate(zip(track_ids, lengths, strict=True))
    )


async def _queued(call: Call, command: Any, entries: tuple[QueueEntry, ...]) -> Queued:
    answer = await _send(call, command)
    if isinstance(answer, JSONResponse):
        return answer
    return QueueAccepted(**answer.model_dump(), item_ids=[entry.item_id for entry in entries])


def _seed(command_id: str) -> int:
    """A shuffle seed fixed by the command id (a retry shuffles the same way); 48 bits fit Avro's long."""
    return uuid.UUID(derived_id(command_id, "shuffle")).int >> 80


@router.post("/queue/play-now", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_now(request: Request, body: PlayTrack, call: CommandCall) -> Queued:
    """Insert the track after the current item and play it on ``device_id`` (which takes the session over)."""
    entries = await _entries(request, call, [body.track_id])
    command = c.PlayNow(session_id=call.user, device_id=body.device_id, entry=entries[0])
    return await _queued(call, command, entries)


@router.post("/queue/play-next", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_next(request: Request, body: QueueTrack, call: CommandCall) -> Queued:
    """Insert the track right after the current item."""
    entries = await _entries(request, call, [body.track_id])
    return await _queued(call, c.PlayNext(session_id=call.user, entry=entries[0]), entries)


@router.post("/queue/items", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def add_to_queue(request: Request, body: QueueTracks, call: CommandCall) -> Queued:
    """Append the tracks to the queue, in order."""
    entries = await _entries(request, call, body.track_ids)
    return await _queued(call, c.AddToQueue(session_id=call.user, entries=entries), entries)


@router.delete("/queue/items/{item_id}", response_model=CommandAccepted)
async def remove_from_queue(item_id: ItemId, call: CommandCall) -> Accepted:
    """Take an item out of the queue; removing the current item plays the next one."""
    return await _send(call, c.RemoveFromQueue(session_id=call.user, item_id=item_id))


@router.post("/queue/items/{item_id}/move", response_model=CommandAccepted)
async def move_in_queue(item_id: ItemId, body: ItemMove, call: CommandCall) -> Accepted:
    """Move an item after ``after_item_id``, or to the front with ``after_item_id: null``."""
    command = c.MoveInQueue(session_id=call.user, item_id=item_id, after_item_id=body.after_item_id)
    return await _send(call, command)


@router.post("/queue/items/{item_id}/play", response_model=CommandAccepted)
async def jump_to(item_id: ItemId, body: DeviceBody, call: CommandCall) -> Accepted:
    """Play this queue item now."""
    return await _send(call, c.JumpTo(session_id=call.user, device_id=body.device_id, item_id=item_id))


@router.delete("/queue", response_model=CommandAccepted)
async def clear_queue(call: CommandCall) -> Accepted:
    """Empty the queue, except for the item playing now."""
    return await _send(call, c.ClearQueue(session_id=call.user))


@router.post("/queue/play", status_code=status.HTTP_201_CREATED, response_model=QueueAccepted)
async def play_collection(request: Request, body: PlayCollectionBody, call: CommandCall) -> Queued:
    """Replace the queue with a playlist or a list of tracks (a search result) and play entry ``index``.

    A playlist's tracks you can no longer play (removed, made private) are left out.
    """
    if (body.playlist_id is None) == (body.track_ids is None):
        refused = Rejection(reason="invalid_value", kind="invalid", command_id=call.command_id,
                            message="give exactly one of playlist_id and track_ids")  # fmt: skip
        return JSONResponse(refused.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    track_ids, index = body.track_ids or [], body.index
    if body.playlist_id is not None:
        listed = await lookups.playlist_tracks(request.app.state.read_store, body.playlist_id, call.user)
        found = await lookups.playable(request.app.state.read_store, listed, call.user)
        track_ids = [t for t in listed if t in found]
        index = sum(1 for t in listed[: body.index] if t in found)
    entries = await _entries(request, call, track_ids) if track_ids else ()
    source = body.source or (f"playlist:{body.playlist_id}" if body.playlist_id else "")
    command = c.PlayCollection(
        session_id=call.user,
        device_id=body.device_id,
        entries=entries,
        start_index=index,
        seed=_seed(call.command_id),
        source=source,
    )
    return await _queued(call, command, entries)


@router.post("/session/next", response_model=CommandAccepted)
async def skip_to_next(body: DeviceBody, call: CommandCall) -> Accepted:
    """Go to the next item (wraps with repeat all, stops at the end otherwise)."""
    return await _send(call, c.SkipToNext(session_id=call.user, device_id=body.device_id))


@router.post("/session/previous", response_model=CommandAccepted)
async def skip_to_previous(body: DeviceBody, call: CommandCall) -> Accepted:
    """Restart the track after its first 3 s, else go to the previous item (the one that played before)."""
    return await _send(call, c.SkipToPrevious(session_id=call.user, device_id=body.device_id))


@router.post("/session/resume", response_model=CommandAccepted)
async def resume(body: DeviceBody, call: CommandCall) -> Accepted:
    """Play on this device from where the session is now; a device playing elsewhere is superseded."""
    return await _send(call, c.Resume(session_id=call.user, device_id=body.device_id))


@router.post("/session/pause", response_model=CommandAccepted)
async def pause(body: PauseBody, call: CommandCall) -> Accepted:
    """Pause at ``position_ms`` (409 device_superseded from a device that no longer plays the session)."""
    command = c.Pause(session_id=call.user, device_id=body.device_id, position_ms=body.position_ms)
    return await _send(call, command)


@router.post("/session/position", response_model=CommandAccepted)
async def report_position(body: PositionBody, call: CommandCall) -> Accepted:
    """Report the playing position; kept every 15 s and after seeks (others are accepted as no-ops)."""
    command = c.ReportPosition(
        session_id=call.user, device_id=body.device_id, item_id=body.item_id, position_ms=body.position_ms
    )
    return await _send(call, command)


@router.post("/session/ended", response_model=CommandAccepted)
async def report_ended(body: EndedBody, call: CommandCall) -> Accepted:
    """The track played to its end: play what comes next (the same one with repeat one)."""
    command = c.ReportEnded(session_id=call.user, device_id=body.device_id, item_id=body.item_id)
    return await _send(call, command)


@router.post("/session/rendition", response_model=CommandAccepted)
async def switch_rendition(request: Request, body: RenditionBody, call: CommandCall) -> Accepted:
    """Switch what plays between the original and its renders; the session resumes at the same musical moment.

    The answer's session (``GET /v1/me/session``) holds the position in the new rendition (the renders'
    position mapping, ``t_render = t_original / tempo``). ``409 render_not_ready`` for a queued render (or an
    MP3 still rendering), ``409 render_failed``, ``404 render_not_found`` for a render of another track.
    """
    track_id, tempo, duration = None, 1.0, 0  # the original: the decider knows its length from the queue
    if body.asset_key is not None:
        track_id, tempo, duration = await lookups.rendition(request.app.state.read_store, body.asset_key, call.user)
    command = c.SwitchRendition(session_id=call.user, device_id=body.device_id, item_id=body.item_id,
                                asset_key=body.asset_key, tempo=tempo, duration_ms=duration,
                                position_ms=body.position_ms, track_id=track_id)  # fmt: skip
    return await _send(call, command)


@router.put("/session/shuffle", response_model=CommandAccepted)
async def set_shuffle(body: ShuffleBody, call: CommandCall) -> Accepted:
    """Shuffle the items after the current one (a stable order), or put them back in their order."""
    command = c.SetShuffle(
        session_id=call.user, enabled=body.enabled, seed=_seed(call.command_id) if body.enabled else 0
    )
    return await _send(call, command)


@router.put("/session/repeat", response_model=CommandAccepted)
async def set_repeat(body: RepeatBody, call: CommandCall) -> Accepted:
    """``off``, ``one`` (a track that ends starts again) or ``all`` (the queue loops)."""
    return await _send(call, c.SetRepeat(session_id=call.user, mode=body.mode))
