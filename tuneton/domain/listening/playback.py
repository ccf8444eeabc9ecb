"""The playback half of the session: what plays now, where, and how much of it was heard.

``heard_ms`` adds up forward movement between recorded positions, but never more than the wall-clock
time that passed (plus ``SLACK_MS``): a seek forward is not listening. Positions are recorded
coarsely — a report is kept when it is ``COARSE_MS`` past the last one, or off the extrapolated
position by more than ``SLACK_MS`` (a seek) — so a client may report every few seconds for free.
"""

from __future__ import annotations

from dataclasses import replace

from tuneton.domain.errors import InvalidValue
from tuneton.domain.listening import commands as c
from tuneton.domain.listening import events as e
from tuneton.domain.listening.errors import (
    DeviceSuperseded,
    NothingToPlay,
    NotPlaying,
    QueueItemNotFound,
    RenderNotFound,
)
from tuneton.domain.listening.state import NowPlaying, Session
from tuneton.domain.listening.values import QueuedItem, RepeatMode

COARSE_MS = 15_000
SLACK_MS = 2_000
RESTART_AFTER_MS = 3_000


def decide_playback(session: Session, command: c.ListeningCommand, at: int) -> list[e.ListeningEvent]:
    """Events of a skip, a report from the playing device, a pause or a resume."""
    match command:
        case c.SkipToNext():
            return switch(session, following(session, wrap=session.repeat is RepeatMode.ALL), at, command.device_id)
        case c.SkipToPrevious():
            return switch(session, _previous(session, at), at, command.device_id)
        case c.JumpTo():
            return switch(session, item(session, command.item_id), at, command.device_id)
        case c.ReportPosition():
            return _progress(_reporting(session, command.device_id, command.item_id), command.position_ms, at)
        case c.ReportEnded():
            return _ended(session, _reporting(session, command.device_id, command.item_id), at)
        case c.Pause():
            now = _reporting(session, command.device_id, None)
            position = _position(now, command.position_ms)
            if not now.playing:
                return []
            heard = heard_until(now, position, at)
            return [e.PlaybackPaused(play_no=now.play_no, position_ms=position, heard_ms=heard, at_ms=at)]
        case c.Resume():
            return _resume(session, command.device_id, at)
        case c.SwitchRendition():
            return _switch_rendition(session, _reporting(session, command.device_id, command.item_id), command, at)
    raise TypeError(f"not a playback command: {type(command).__name__}")


def evolve_playback(session: Session, event: e.ListeningEvent) -> Session:
    """Fold a playback event into the session."""
    if isinstance(event, e.TrackStarted):
        now = NowPlaying(
            play_no=event.play_no,
            item_id=event.item_id,
            track_id=event.track_id,
            duration_ms=event.duration_ms,
            device_id=event.device_id,
            playing=True,
            position_ms=event.position_ms,
            at_ms=event.at_ms,
            heard_ms=0,
        )
        return replace(session, now=now, plays=event.play_no, device_id=event.device_id)
    if session.now is None:
        raise TypeError(f"{type(event).__name__} while nothing plays")
    now = session.now
    match event:
        case e.PlaybackProgressed():
            return replace(
                session, now=replace(now, position_ms=event.position_ms, heard_ms=event.heard_ms, at_ms=event.at_ms)
            )
        case e.PlaybackPaused():
            moved = replace(
                now, playing=False, position_ms=event.position_ms, heard_ms=event.heard_ms, at_ms=event.at_ms
            )
            return replace(session, now=moved)
        case e.PlaybackResumed():
            moved = replace(
                now, playing=True, device_id=event.device_id, position_ms=event.position_ms, at_ms=event.at_ms
            )
            return replace(session, now=moved, device_id=event.device_id)
        case e.RenditionSwitched():
            moved = replace(now, asset_key=event.asset_key, tempo=event.tempo, duration_ms=event.duration_ms,
                            position_ms=event.position_ms, at_ms=event.at_ms)  # fmt: skip
            return replace(session, now=moved)
        case e.TrackFinished() | e.TrackSkipped():
            return replace(session, now=None)
    raise TypeError(f"unknown listening event {type(event).__name__}")


def position_at(now: NowPlaying, at: int) -> int:
    """Where the play is at instant ``at``: the recorded position, moved on by the time passed if playing."""
    if not now.playing:
        return now.position_ms
    return min(now.duration_ms, now.position_ms + max(0, at - now.at_ms))


def heard_until(now: NowPlaying, position: int, at: int) -> int:
    """The play's heard total if it is at ``position`` at ``at``."""
    if not now.playing:
        return now.heard_ms
    return now.heard_ms + max(0, min(position - now.position_ms, max(0, at - now.at_ms) + SLACK_MS))


def switch(session: Session, target: QueuedItem | None, at: int, device_id: str) -> list[e.ListeningEvent]:
    """Close the running play (if any) and start ``target`` (if any) where the session plays."""
    if target is None and session.now is None:
        raise NothingToPlay("the queue is empty")
    events: list[e.ListeningEvent] = []
    if session.now is not None:
        now = session.now
        position = position_at(now, at)
        heard = heard_until(now, position, at)
        events.append(e.TrackSkipped(play_no=now.play_no, track_id=now.track_id, position_ms=position, heard_ms=heard))
        device_id = now.device_id
    if target is not None:
        events.append(start(session, target, device_id, at))
    return events


def start(session: Session, target: QueuedItem, device_id: str, at: int) -> e.TrackStarted:
    """The start of the session's next play: ``target`` from its beginning."""
    return e.TrackStarted(
        play_no=session.plays + 1,
        item_id=target.item_id,
        track_id=target.track_id,
        duration_ms=target.duration_ms,
        device_id=device_id,
        position_ms=0,
        at_ms=at,
    )


def following(session: Session, *, wrap: bool, without: str | None = None) -> QueuedItem | None:
    """The item after the current one (the first when nothing plays), never item ``without``.

    With ``wrap`` the queue loops: after the last item comes the first (a lone item follows itself).
    """
    queue = session.queue
    if session.now is None:
        rest = [i for i in queue if i.item_id != without]
        return rest[0] if rest else None
    current = index(queue, session.now.item_id)
    after = [i for i in queue[current + 1 :] if i.item_id != without]
    looped = [i for i in queue[: current + 1] if i.item_id != without] if wrap else []
    candidates = after or looped
    return candidates[0] if candidates else None


def item(session: Session, item_id: str) -> QueuedItem:
    """The queued item ``item_id``, or ``QueueItemNotFound``."""
    return session.queue[index(session.queue, item_id)]


def index(queue: tuple[QueuedItem, ...], item_id: str) -> int:
    """Position of ``item_id`` in ``queue``, or ``QueueItemNotFound``."""
    for n, queued in enumerate(queue):
        if queued.item_id == item_id:
            return n
    raise QueueItemNotFound("no such item in the queue", item_id=item_id)


def _previous(session: Session, at: int) -> QueuedItem | None:
    now = session.now
    if now is None:
        return session.queue[-1] if session.queue else None
    current = index(session.queue, now.item_id)
    if position_at(now, at) > RESTART_AFTER_MS or (current == 0 and session.repeat is not RepeatMode.ALL):
        return session.queue[current]
    return session.queue[current - 1]  # index -1 wraps to the last item with repeat all


def _reporting(session: Session, device_id: str, item_id: str | None) -> NowPlaying:
    """The running play, if ``device_id`` is the one playing it and it is ``item_id``."""
    active = session.now.device_id if session.now is not None else session.device_id
    if active is not None and active != device_id:
        raise DeviceSuperseded("another device took over this session", active_device_id=active)
    if session.now is None or (item_id is not None and session.now.item_id != item_id):
        current = None if session.now is None else session.now.item_id
        raise NotPlaying("that item is not playing now", item_id=item_id, current_item_id=current)
    return session.now


def _position(now: NowPlaying, position_ms: int) -> int:
    if not 0 <= position_ms <= now.duration_ms + SLACK_MS:
        raise InvalidValue(f"position_ms must be within 0..{now.duration_ms}", field="position_ms")
    return min(position_ms, now.duration_ms)


def _progress(now: NowPlaying, position_ms: int, at: int) -> list[e.ListeningEvent]:
    position = _position(now, position_ms)
    seeked = abs(position - position_at(now, at)) > SLACK_MS
    if not seeked and (not now.playing or position - now.position_ms < COARSE_MS):
        return []
    heard = heard_until(now, position, at)
    return [e.PlaybackProgressed(play_no=now.play_no, position_ms=position, heard_ms=heard, at_ms=at)]


def up_next(session: Session) -> QueuedItem | None:
    """What plays when the current item ends (with nothing playing: what resume plays first).

    The one rule for both the decider (``ReportEnded``) and the "what plays next" query that lets a
    client preload it.
    """
    if session.now is not None and session.repeat is RepeatMode.ONE:
        return item(session, session.now.item_id)
    return following(session, wrap=session.repeat is RepeatMode.ALL)


def _ended(session: Session, now: NowPlaying, at: int) -> list[e.ListeningEvent]:
    heard = heard_until(now, now.duration_ms, at)
    events: list[e.ListeningEvent] = [e.TrackFinished(play_no=now.play_no, track_id=now.track_id, heard_ms=heard)]
    target = up_next(session)
    if target is not None:
        events.append(start(session, target, now.device_id, at))
    return events


def _resume(session: Session, device_id: str, at: int) -> list[e.ListeningEvent]:
    now = session.now
    if now is None:
        first = following(session, wrap=False)
        if first is None:
            raise NothingToPlay("the queue is empty")
        return [start(session, first, device_id, at)]
    if now.playing and now.device_id == device_id:
        return []
    superseded = now.device_id if now.playing and now.device_id != device_id else None
    return [
        e.PlaybackResumed(
            play_no=now.play_no,
            device_id=device_id,
            position_ms=position_at(now, at),
            at_ms=at,
            superseded_device_id=superseded,
        )
    ]


def same_moment(position_ms: int, *, tempo_from: float, tempo_to: float) -> int:
    """``position_ms`` of a rendition at ``tempo_from`` as a position in one at ``tempo_to``.

    The renders' position mapping (``tuneton.audio.positions``: ``t_render = t_original / tempo``, linear
    and drift-free), composed through the original's timeline; a unit test holds the two to each other.
    """
    return round(position_ms * tempo_from / tempo_to)


def _switch_rendition(session: Session, now: NowPlaying, command: c.SwitchRendition, at: int) -> list[e.ListeningEvent]:
    if command.asset_key == now.asset_key:
        return []
    if command.asset_key is not None and command.track_id not in (None, now.track_id):
        raise RenderNotFound("that render is not of the track playing now", id=command.asset_key)
    tempo, duration = _rendition_length(session, now, command)
    if not 0.25 <= tempo <= 4.0 or duration <= 0:
        raise InvalidValue("tempo and duration_ms of the rendition are out of range", field="tempo")
    current = _position(now, command.position_ms)
    target = min(duration, same_moment(current, tempo_from=now.tempo, tempo_to=tempo))
    return [
        e.RenditionSwitched(
            play_no=now.play_no, asset_key=command.asset_key, tempo=tempo, duration_ms=duration, position_ms=target,
            at_ms=at,
        )
    ]  # fmt: skip


def _rendition_length(session: Session, now: NowPlaying, command: c.SwitchRendition) -> tuple[float, int]:
    """Tempo and length of what the switch goes to: the original's come from the queue item (or, for an
    item removed while it plays, from the command, else from the render playing and its tempo)."""
    if command.asset_key is not None:
        return command.tempo, command.duration_ms
    queued = next((i for i in session.queue if i.item_id == now.item_id), None)
    if queued is not None:
        return 1.0, queued.duration_ms
    return 1.0, command.duration_ms or round(now.duration_ms * now.tempo)
