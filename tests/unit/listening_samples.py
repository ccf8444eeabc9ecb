"""One sample of every listening command and event, for the codec's round-trip tests."""

from __future__ import annotations

from typing import Any

from tuneton.domain.listening import commands as c
from tuneton.domain.listening import events as e
from tuneton.domain.listening.values import ItemRank, QueuedItem, QueueEntry, RepeatMode

_ENTRY = QueueEntry(item_id="i1", track_id="t1", duration_ms=180_000)
_ITEM = QueuedItem(item_id="i1", track_id="t1", duration_ms=180_000, rank="a0")
_S = "listener-1"

LISTENING_COMMANDS: list[tuple[str, Any]] = [
    ("listening", command)
    for command in (
        c.PlayNow(session_id=_S, device_id="phone", entry=_ENTRY),
        c.PlayNext(session_id=_S, entry=_ENTRY),
        c.AddToQueue(session_id=_S, entries=(_ENTRY, QueueEntry(item_id="i2", track_id="t2", duration_ms=1))),
        c.RemoveFromQueue(session_id=_S, item_id="i1"),
        c.MoveInQueue(session_id=_S, item_id="i1", after_item_id=None),
        c.ClearQueue(session_id=_S),
        c.PlayCollection(
            session_id=_S, device_id="phone", entries=(_ENTRY,), start_index=0, seed=2**47, source="search"
        ),
        c.SkipToNext(session_id=_S, device_id="phone"),
        c.SkipToPrevious(session_id=_S, device_id="phone"),
        c.JumpTo(session_id=_S, device_id="phone", item_id="i1"),
        c.ReportPosition(session_id=_S, device_id="phone", item_id="i1", position_ms=15_000),
        c.ReportEnded(session_id=_S, device_id="phone", item_id="i1"),
        c.Pause(session_id=_S, device_id="phone", position_ms=1),
        c.Resume(session_id=_S, device_id="laptop"),
        c.SwitchRendition(session_id=_S, device_id="phone", item_id="i1", asset_key="ab" * 32, tempo=1.25,
                          duration_ms=144_000, position_ms=10_000, track_id="t1"),
        c.SetShuffle(session_id=_S, enabled=True, seed=7),
        c.SetRepeat(session_id=_S, mode=RepeatMode.ALL),
    )
]
LISTENING_EVENTS: list[tuple[str, Any]] = [
    ("listening", event)
    for event in (
        e.ItemsQueued(items=(_ITEM,)),
        e.ItemDequeued(item_id="i1"),
        e.QueueItemMoved(item_id="i1", rank="a1"),
        e.QueueReplaced(items=(_ITEM,), original_order=("i1",), source="playlist:p"),
        e.ShuffleChanged(enabled=True, seed=7, ranks=(ItemRank(item_id="i1", rank="a2"),)),
        e.RepeatChanged(mode=RepeatMode.ONE),
        e.TrackStarted(
            play_no=1,
            item_id="i1",
            track_id="t1",
            duration_ms=180_000,
            device_id="phone",
            position_ms=0,
            at_ms=1_735_689_600_000,
        ),
        e.PlaybackProgressed(play_no=1, position_ms=15_000, heard_ms=15_000, at_ms=1_735_689_615_000),
        e.PlaybackPaused(play_no=1, position_ms=16_000, heard_ms=16_000, at_ms=1_735_689_616_000),
        e.PlaybackResumed(
            play_no=1, device_id="laptop", position_ms=16_000, at_ms=1_735_689_700_000, superseded_device_id="phone"
        ),
        e.RenditionSwitched(play_no=1, asset_key=None, tempo=1.0, duration_ms=180_000, position_ms=20_000,
                            at_ms=1_735_689_710_000),
        e.TrackFinished(play_no=1, track_id="t1", heard_ms=180_000),
        e.TrackSkipped(play_no=2, track_id="t2", position_ms=3_000, heard_ms=3_000),
    )
]
