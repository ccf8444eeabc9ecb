"""Project listening events onto ``listening_sessions``, ``listening_queue`` and ``listening_history``.

Every event stamps the session row with the stream version it now reflects (the consistency token's
check). The history is one row per play (``play_no``), opened by ``TrackStarted`` and closed by
``TrackFinished``/``TrackSkipped``; progress in between moves its position and heard total.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuneton.domain.listening import events as e
from tuneton.domain.listening.values import QueuedItem
from tuneton.domain.readmodel import Delete, EventMeta, RowOp, Update, Upsert

NAME = "listening"
TOPICS = ("tuneton.listening.events",)
TABLES = ("listening_history", "listening_queue", "listening_sessions")
SCHEMA = Path(__file__).with_name("schema.sql")

_STOPPED: dict[str, Any] = {"playing": False, "item_id": None, "track_id": None, "duration_ms": None, "asset_key": None}


def project(event: e.ListeningEvent, meta: EventMeta) -> list[RowOp]:
    """Row operations for one listening event."""
    key = {"session_id": meta.aggregate_id}
    at = int(meta.occurred_at.timestamp() * 1000)
    touch = Upsert(table="listening_sessions", key=key, values={"version": meta.aggregate_version, "updated_at": at})
    return [touch, *_queue(event, key), *_playback(event, key, at)]


def _session(key: dict[str, Any], values: dict[str, Any]) -> Update:
    return Update(table="listening_sessions", key=key, values=values)


def _play(key: dict[str, Any], play_no: int, values: dict[str, Any]) -> Update:
    return Update(table="listening_history", key={**key, "play_no": play_no}, values=values)


def _queued(key: dict[str, Any], item: QueuedItem) -> Upsert:
    values = {"track_id": item.track_id, "duration_ms": item.duration_ms, "rank": item.rank}
    return Upsert(table="listening_queue", key={**key, "item_id": item.item_id}, values=values)


def _queue(event: e.ListeningEvent, key: dict[str, Any]) -> list[RowOp]:
    match event:
        case e.ItemsQueued():
            return [_queued(key, item) for item in event.items]
        case e.ItemDequeued():
            return [Delete(table="listening_queue", key={**key, "item_id": event.item_id})]
        case e.QueueItemMoved():
            return [Update(table="listening_queue", key={**key, "item_id": event.item_id}, values={"rank": event.rank})]
        case e.QueueReplaced():
            replaced: list[RowOp] = [Delete(table="listening_queue", key=key)]
            return [
                *replaced,
                *(_queued(key, item) for item in event.items),
                _session(key, {"queue_source": event.source}),
            ]
        case e.ShuffleChanged():
            ranks: list[RowOp] = [
                Update(table="listening_queue", key={**key, "item_id": r.item_id}, values={"rank": r.rank})
                for r in event.ranks
            ]
            return [*ranks, _session(key, {"shuffle": event.enabled, "shuffle_seed": event.seed})]
        case e.RepeatChanged():
            return [_session(key, {"repeat_mode": event.mode.value})]
        case _:
            return []


def _playback(event: e.ListeningEvent, key: dict[str, Any], at: int) -> list[RowOp]:
    match event:
        case e.TrackStarted():
            return _started(event, key)
        case e.PlaybackProgressed() | e.PlaybackPaused():
            playing = isinstance(event, e.PlaybackProgressed)
            where = {"position_ms": event.position_ms, "heard_ms": event.heard_ms}
            outcome = "playing" if playing else "paused"
            session: dict[str, Any] = {"position_ms": event.position_ms, "position_at": event.at_ms}
            return [
                _session(key, session if playing else {**session, "playing": False}),
                _play(key, event.play_no, {**where, "outcome": outcome}),
            ]
        case e.PlaybackResumed():
            resumed: dict[str, Any] = {
                "playing": True,
                "device_id": event.device_id,
                "position_ms": event.position_ms,
                "position_at": event.at_ms,
                "superseded_device_id": event.superseded_device_id,
            }
            return [_session(key, resumed), _play(key, event.play_no, {"outcome": "playing"})]
        case e.RenditionSwitched():
            switched = {"asset_key": event.asset_key, "tempo": event.tempo, "duration_ms": event.duration_ms,
                        "position_ms": event.position_ms, "position_at": event.at_ms}  # fmt: skip
            return [_session(key, switched)]
        case e.TrackFinished():
            ended = {"heard_ms": event.heard_ms, "outcome": "finished", "ended_at": at}
            return [_session(key, _STOPPED), _play(key, event.play_no, ended)]
        case e.TrackSkipped():
            ended = {"heard_ms": event.heard_ms, "position_ms": event.position_ms, "outcome": "skipped", "ended_at": at}
            return [_session(key, _STOPPED), _play(key, event.play_no, ended)]
        case _:
            if not isinstance(event, e.EVENT_TYPES):
                raise TypeError(f"unknown listening event {type(event).__name__}")
            return []


def _started(event: e.TrackStarted, key: dict[str, Any]) -> list[RowOp]:
    session = {
        "play_no": event.play_no,
        "item_id": event.item_id,
        "track_id": event.track_id,
        "duration_ms": event.duration_ms,
        "device_id": event.device_id,
        "playing": True,
        "position_ms": event.position_ms,
        "position_at": event.at_ms,
        "superseded_device_id": None,
        "asset_key": None,
        "tempo": 1.0,
    }
    play = {
        "item_id": event.item_id,
        "track_id": event.track_id,
        "device_id": event.device_id,
        "duration_ms": event.duration_ms,
        "started_at": event.at_ms,
        "ended_at": None,
        "position_ms": event.position_ms,
        "heard_ms": 0,
        "outcome": "playing",
    }
    return [
        _session(key, session),
        Upsert(table="listening_history", key={**key, "play_no": event.play_no}, values=play),
    ]
