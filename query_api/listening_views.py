"""Listening rows as HTTP models: the session (with where the music is *now*), the queue and the history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from query_api.schemas import from_millis
from tuneton.domain.listening.values import RepeatMode
from tuneton.domain.track.rules import visible_to


class NowPlayingPublic(BaseModel):
    """The current item and where it is."""

    play_no: int
    item_id: str
    track_id: str
    duration_ms: int
    playing: bool
    position_ms: int = Field(description="Where the music is now: the saved position, moved on if it plays.")
    saved_position_ms: int = Field(description="The last position a device recorded.")
    saved_at: datetime
    asset_key: str | None = Field(description="The render playing (positions are in its timeline); null: the original.")
    tempo: float = Field(description="Tempo of what plays: the original's position is position_ms * tempo.")
    original_position_ms: int = Field(description="position_ms in the original's timeline (the same musical moment).")


class SessionPublic(BaseModel):
    """A listener's session: what plays, on which device, and the play mode."""

    version: int
    device_id: str | None = Field(description="The device the session plays on (the last to press play).")
    superseded_device_id: str | None = Field(description="The device the last takeover moved the session from.")
    this_device_active: bool | None = Field(
        description="Whether the ``device_id`` in the query is the active device (null without one)."
    )
    now_playing: NowPlayingPublic | None
    shuffle: bool
    repeat: RepeatMode
    queue_source: str


class QueueItemPublic(BaseModel):
    """One queue entry in play order; ``available`` is false once its track was removed or made private."""

    item_id: str
    track_id: str
    title: str | None
    duration_ms: int
    position: int = Field(description="0-based index in the play order.")
    current: bool
    available: bool


class QueuePublic(BaseModel):
    """The queue in play order."""

    data: list[QueueItemPublic]
    count: int
    current_index: int | None


class PlayPublic(BaseModel):
    """One play of the listening history."""

    play_no: int
    item_id: str
    track_id: str
    device_id: str
    duration_ms: int
    started_at: datetime
    ended_at: datetime | None
    position_ms: int
    heard_ms: int
    outcome: str = Field(description="playing | paused | finished | skipped")


class PlaysPublic(BaseModel):
    """A page of plays, newest first."""

    data: list[PlayPublic]
    count: int


class TrackPlaysPublic(BaseModel):
    """A track with how often it was played (counted plays) and when last."""

    track_id: str
    plays: int
    last_played_at: datetime | None = None
    position_ms: int | None = Field(default=None, description="Continue listening: where it was left.")
    duration_ms: int | None = None


class TracksPlayedPublic(BaseModel):
    """Tracks from the history: recently played, continue listening, or play counts."""

    data: list[TrackPlaysPublic]
    count: int


def session_view(row: dict[str, Any] | None, *, now_ms: int, device_id: str | None) -> SessionPublic:
    """The session as a client sees it at ``now_ms``; an empty session before the first command."""
    row = row or {"version": 0, "shuffle": False, "repeat_mode": "off", "queue_source": "", "playing": False}
    active = row.get("device_id")
    return SessionPublic(
        version=int(row["version"]),
        device_id=active,
        superseded_device_id=row.get("superseded_device_id"),
        this_device_active=None if device_id is None else device_id == active,
        now_playing=_now_playing(row, now_ms) if row.get("item_id") else None,
        shuffle=bool(row["shuffle"]),
        repeat=RepeatMode(row["repeat_mode"]),
        queue_source=row["queue_source"],
    )


def _now_playing(row: dict[str, Any], now_ms: int) -> NowPlayingPublic:
    saved, at, duration = int(row["position_ms"]), int(row["position_at"]), int(row["duration_ms"])
    position = min(duration, saved + max(0, now_ms - at)) if row["playing"] else saved
    tempo = float(row["tempo"])
    return NowPlayingPublic(
        asset_key=row["asset_key"],
        tempo=tempo,
        original_position_ms=round(position * tempo),
        play_no=int(row["play_no"]),
        item_id=row["item_id"],
        track_id=row["track_id"],
        duration_ms=duration,
        playing=bool(row["playing"]),
        position_ms=position,
        saved_position_ms=saved,
        saved_at=from_millis(at),
    )


def queue_view(rows: list[dict[str, Any]], *, current_item: str | None, viewer: str) -> QueuePublic:
    """The queue rows as items in play order."""
    items = [
        QueueItemPublic(
            item_id=r["item_id"],
            track_id=r["track_id"],
            title=r["title"],
            duration_ms=int(r["duration_ms"]),
            position=n,
            current=r["item_id"] == current_item,
            available=r["owner_id"] is not None
            and visible_to(visibility=r["visibility"], owner_id=r["owner_id"], viewer=viewer),
        )
        for n, r in enumerate(rows)
    ]
    current = next((i.position for i in items if i.current), None)
    return QueuePublic(data=items, count=len(items), current_index=current)


def play_view(row: dict[str, Any]) -> PlayPublic:
    """One history row."""
    ended = row["ended_at"]
    return PlayPublic(
        **{
            k: row[k]
            for k in (
                "play_no",
                "item_id",
                "track_id",
                "device_id",
                "duration_ms",
                "position_ms",
                "heard_ms",
                "outcome",
            )
        },
        started_at=from_millis(row["started_at"]),
        ended_at=None if ended is None else from_millis(ended),
    )


def tracks_played(rows: list[dict[str, Any]]) -> TracksPlayedPublic:
    """Rows of (track_id, plays, last played, left at) as a listing."""
    data = [
        TrackPlaysPublic(
            track_id=r["track_id"],
            plays=int(r.get("plays") or 0),
            last_played_at=_when(r.get("last_played_at", r.get("started_at"))),
            position_ms=r.get("position_ms"),
            duration_ms=r.get("duration_ms"),
        )
        for r in rows
    ]
    return TracksPlayedPublic(data=data, count=len(data))


def _when(millis: int | None) -> datetime | None:
    return None if millis is None else from_millis(int(millis))
