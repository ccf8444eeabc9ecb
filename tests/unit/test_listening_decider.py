"""The listening-session decider: a table of listener actions and what plays after them, plus the rules."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from processors import snapshots
from processors.snapshots import AggregateRecord
from tuneton.audio.positions import to_original_time, to_render_time
from tuneton.domain.context import CommandContext
from tuneton.domain.errors import DomainError, InvalidValue
from tuneton.domain.listening import commands as c
from tuneton.domain.listening import events as e
from tuneton.domain.listening.decider import Session, decide, evolve
from tuneton.domain.listening.errors import (
    DeviceSuperseded,
    NothingToPlay,
    NotPlaying,
    NotSessionOwner,
    QueueFull,
    QueueItemNotFound,
    RenderNotFound,
)
from tuneton.domain.listening.order import shuffled
from tuneton.domain.listening.playback import same_moment
from tuneton.domain.listening.queueing import MAX_QUEUE
from tuneton.domain.listening.values import QueueEntry, RepeatMode
from tuneton.events import topics

U = "listener-1"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
MINUTE = 60_000


def entry(n: int) -> QueueEntry:
    return QueueEntry(item_id=f"i{n}", track_id=f"t{n}", duration_ms=3 * MINUTE)


@dataclass(frozen=True)
class At:
    """A command sent ``seconds`` after T0."""

    seconds: float
    command: Any


def decided(state: Session | None, command: Any, seconds: float = 0) -> list[e.ListeningEvent]:
    return decide(state, command, CommandContext(actor_id=U, issued_at=T0 + timedelta(seconds=seconds)))


def run(*steps: Any) -> tuple[Session, list[e.ListeningEvent]]:
    """Fold each step (a command, or ``At``) into a session; return it and the last step's events."""
    state: Session | None = None
    events: list[e.ListeningEvent] = []
    for step in steps:
        timed = step if isinstance(step, At) else At(0, step)
        events = decided(state, timed.command, timed.seconds)
        for event in events:
            state = evolve(state, event)
    assert state is not None
    return state, events


def play(*numbers: int, start: int = 0, device: str = "phone") -> c.PlayCollection:
    entries = tuple(entry(n) for n in numbers)
    return c.PlayCollection(session_id=U, device_id=device, entries=entries, start_index=start, seed=7)


NEXT = c.SkipToNext(session_id=U, device_id="phone")
PREVIOUS = c.SkipToPrevious(session_id=U, device_id="phone")
SHUFFLE = c.SetShuffle(session_id=U, enabled=True, seed=42)
UNSHUFFLE = c.SetShuffle(session_id=U, enabled=False)


def ended(item: str) -> c.ReportEnded:
    return c.ReportEnded(session_id=U, device_id="phone", item_id=item)


def repeat(mode: RepeatMode) -> c.SetRepeat:
    return c.SetRepeat(session_id=U, mode=mode)


def current(state: Session) -> str | None:
    return None if state.now is None else state.now.item_id


def order(state: Session) -> list[str]:
    return [i.item_id for i in state.queue]


SHUFFLED_AFTER_I1 = shuffled(["i2", "i3", "i4"], 42)

# (case, steps, item playing afterwards, play order afterwards)
CASES: list[tuple[str, tuple[Any, ...], str | None, list[str]]] = [
    ("play a collection from an index", (play(1, 2, 3, start=1),), "i2", ["i1", "i2", "i3"]),
    ("next", (play(1, 2, 3), NEXT), "i2", ["i1", "i2", "i3"]),
    ("next at the end stops", (play(1, 2, start=1), NEXT), None, ["i1", "i2"]),
    ("next at the end wraps with repeat all", (play(1, 2, start=1), repeat(RepeatMode.ALL), NEXT), "i1", ["i1", "i2"]),
    ("next with repeat one moves on", (play(1, 2), repeat(RepeatMode.ONE), NEXT), "i2", ["i1", "i2"]),
    ("previous goes back", (play(1, 2, 3, start=2), PREVIOUS), "i2", ["i1", "i2", "i3"]),
    ("previous at the start restarts", (play(1, 2), PREVIOUS), "i1", ["i1", "i2"]),
    ("previous at the start wraps with repeat all", (play(1, 2), repeat(RepeatMode.ALL), PREVIOUS), "i2", ["i1", "i2"]),
    ("previous after 3 s restarts the track", (play(1, 2, 3, start=1), At(4, PREVIOUS)), "i2", ["i1", "i2", "i3"]),
    (
        "shuffle keeps what played and shuffles what comes",
        (play(0, 1, 2, 3, 4, start=1), SHUFFLE),
        "i1",
        ["i0", "i1", *SHUFFLED_AFTER_I1],
    ),
    (
        "shuffle then next",
        (play(0, 1, 2, 3, 4, start=1), SHUFFLE, NEXT),
        SHUFFLED_AFTER_I1[0],
        ["i0", "i1", *SHUFFLED_AFTER_I1],
    ),
    (
        "shuffle, next, then previous walks back to what played",
        (play(0, 1, 2, 3, 4, start=1), SHUFFLE, NEXT, PREVIOUS),
        "i1",
        ["i0", "i1", *SHUFFLED_AFTER_I1],
    ),
    (
        "shuffle off restores the order",
        (play(0, 1, 2, 3, 4, start=1), SHUFFLE, NEXT, UNSHUFFLE),
        SHUFFLED_AFTER_I1[0],
        ["i0", "i1", SHUFFLED_AFTER_I1[0], *sorted(SHUFFLED_AFTER_I1[1:])],
    ),
    (
        "repeat one at the end plays the track again",
        (play(1, 2, start=1), repeat(RepeatMode.ONE), ended("i2")),
        "i2",
        ["i1", "i2"],
    ),
    ("repeat all at the end loops", (play(1, 2, start=1), repeat(RepeatMode.ALL), ended("i2")), "i1", ["i1", "i2"]),
    ("the end of the queue stops", (play(1, 2, start=1), ended("i2")), None, ["i1", "i2"]),
    (
        "remove the current item plays the next",
        (play(1, 2, 3), c.RemoveFromQueue(session_id=U, item_id="i1")),
        "i2",
        ["i2", "i3"],
    ),
    (
        "remove the last current item stops",
        (play(1, 2, start=1), c.RemoveFromQueue(session_id=U, item_id="i2")),
        None,
        ["i1"],
    ),
    (
        "remove the lone item with repeat all stops",
        (play(1), repeat(RepeatMode.ALL), c.RemoveFromQueue(session_id=U, item_id="i1")),
        None,
        [],
    ),
    ("remove another item", (play(1, 2, 3), c.RemoveFromQueue(session_id=U, item_id="i3")), "i1", ["i1", "i2"]),
    (
        "reorder while playing changes what comes next",
        (play(1, 2, 3), c.MoveInQueue(session_id=U, item_id="i3", after_item_id="i1"), NEXT),
        "i3",
        ["i1", "i3", "i2"],
    ),
    ("move to the front", (play(1, 2, 3), c.MoveInQueue(session_id=U, item_id="i3")), "i1", ["i3", "i1", "i2"]),
    (
        "play next goes after the current item",
        (play(1, 2), c.PlayNext(session_id=U, entry=entry(9))),
        "i1",
        ["i1", "i9", "i2"],
    ),
    (
        "play now plays it after the current item",
        (play(1, 2), c.PlayNow(session_id=U, device_id="phone", entry=entry(9))),
        "i9",
        ["i1", "i9", "i2"],
    ),
    (
        "add to queue appends",
        (play(1, 2), c.AddToQueue(session_id=U, entries=(entry(8), entry(9)))),
        "i1",
        ["i1", "i2", "i8", "i9"],
    ),
    ("clear keeps the current item", (play(1, 2, 3, start=1), c.ClearQueue(session_id=U)), "i2", ["i2"]),
    (
        "jump to an item",
        (play(1, 2, 3), c.JumpTo(session_id=U, device_id="phone", item_id="i3")),
        "i3",
        ["i1", "i2", "i3"],
    ),
    (
        "resume with nothing playing starts the first",
        (c.AddToQueue(session_id=U, entries=(entry(1),)), c.Resume(session_id=U, device_id="tv")),
        "i1",
        ["i1"],
    ),
]


@pytest.mark.parametrize(("steps", "playing", "queue"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_what_plays_after(steps: tuple[Any, ...], playing: str | None, queue: list[str]) -> None:
    state, _ = run(*steps)
    assert current(state) == playing
    assert order(state) == queue


def test_every_change_of_item_closes_the_play_before_starting_the_next() -> None:
    _, events = run(play(1, 2, 3), At(30, c.RemoveFromQueue(session_id=U, item_id="i1")))
    at = int((T0 + timedelta(seconds=30)).timestamp() * 1000)
    assert events == [
        e.TrackSkipped(play_no=1, track_id="t1", position_ms=30_000, heard_ms=30_000),
        e.ItemDequeued(item_id="i1"),
        e.TrackStarted(
            play_no=2, item_id="i2", track_id="t2", duration_ms=3 * MINUTE, device_id="phone", position_ms=0, at_ms=at
        ),
    ]


def test_repeat_one_at_the_end_is_a_finished_play_and_a_new_one() -> None:
    _, events = run(play(1), repeat(RepeatMode.ONE), At(180, ended("i1")))
    assert [type(x).__name__ for x in events] == ["TrackFinished", "TrackStarted"]
    assert events[0] == e.TrackFinished(play_no=1, track_id="t1", heard_ms=3 * MINUTE)
    assert isinstance(events[1], e.TrackStarted)
    assert (events[1].play_no, events[1].item_id) == (2, "i1")


def test_a_redelivered_command_decides_the_same_events() -> None:
    state, _ = run(play(0, 1, 2, 3, 4, 5, 6, 7))
    assert decided(state, SHUFFLE, 5) == decided(state, SHUFFLE, 5)
    assert shuffled(list(range(20)), 42) == shuffled(list(range(20)), 42) != shuffled(list(range(20)), 43)


def test_the_last_device_to_press_play_takes_over() -> None:
    state, events = run(play(1, 2), At(10, c.Resume(session_id=U, device_id="laptop")))
    assert events == [
        e.PlaybackResumed(
            play_no=1,
            device_id="laptop",
            position_ms=10_000,
            at_ms=int((T0 + timedelta(seconds=10)).timestamp() * 1000),
            superseded_device_id="phone",
        )
    ]
    with pytest.raises(DeviceSuperseded) as refused:
        decided(state, c.ReportPosition(session_id=U, device_id="phone", item_id="i1", position_ms=11_000), 11)
    assert refused.value.details == {"active_device_id": "laptop"}
    assert decided(state, c.Resume(session_id=U, device_id="laptop"), 12) == []


def test_a_paused_session_resumes_at_the_saved_position_elsewhere() -> None:
    state, _ = run(play(1), At(20, c.Pause(session_id=U, device_id="phone", position_ms=20_000)))
    _, events = run(
        play(1),
        At(20, c.Pause(session_id=U, device_id="phone", position_ms=20_000)),
        At(3600, c.Resume(session_id=U, device_id="laptop")),
    )
    assert state.now is not None
    assert not state.now.playing
    resumed = events[0]
    assert isinstance(resumed, e.PlaybackResumed)
    assert (resumed.position_ms, resumed.superseded_device_id) == (20_000, None)


@pytest.mark.parametrize(
    ("seconds", "position_ms", "expected"),
    [
        (5, 5_000, None),  # on schedule, not yet 15 s past: nothing recorded
        (16, 16_000, (16_000, 16_000)),  # coarse progress
        (10, 90_000, (90_000, 10_000 + 2_000)),  # a seek forward: only the wall-clock time counts as heard
        (30, 2_000, (2_000, 2_000)),  # a seek back: only the forward movement since the last record counts
    ],
    ids=["fine", "coarse", "seek-forward", "seek-back"],
)
def test_progress_is_coarse_and_heard_time_is_real_time(seconds: float, position_ms: int, expected: Any) -> None:
    state, _ = run(play(1))
    report = c.ReportPosition(session_id=U, device_id="phone", item_id="i1", position_ms=position_ms)
    events = decided(state, report, seconds)
    if expected is None:
        assert events == []
    else:
        assert len(events) == 1
        assert isinstance(events[0], e.PlaybackProgressed)
        assert (events[0].position_ms, events[0].heard_ms) == expected


REFUSALS: list[tuple[str, tuple[Any, ...], Any, type[DomainError]]] = [
    ("next on an empty queue", (), NEXT, NothingToPlay),
    ("resume on an empty queue", (), c.Resume(session_id=U, device_id="tv"), NothingToPlay),
    ("another listener's session", (), c.ClearQueue(session_id="someone-else"), NotSessionOwner),
    ("remove an unknown item", (play(1),), c.RemoveFromQueue(session_id=U, item_id="nope"), QueueItemNotFound),
    (
        "move after an unknown item",
        (play(1, 2),),
        c.MoveInQueue(session_id=U, item_id="i1", after_item_id="x"),
        QueueItemNotFound,
    ),
    (
        "start index out of range",
        (),
        c.PlayCollection(session_id=U, device_id="d", entries=(entry(1),), start_index=1, seed=0),
        InvalidValue,
    ),
    (
        "empty collection",
        (),
        c.PlayCollection(session_id=U, device_id="d", entries=(), start_index=0, seed=0),
        InvalidValue,
    ),
    (
        "report of another item",
        (play(1, 2),),
        c.ReportPosition(session_id=U, device_id="phone", item_id="i2", position_ms=0),
        NotPlaying,
    ),
    (
        "position past the end",
        (play(1),),
        c.ReportPosition(session_id=U, device_id="phone", item_id="i1", position_ms=10 * MINUTE),
        InvalidValue,
    ),
    ("queue full", (play(*range(MAX_QUEUE)),), c.PlayNext(session_id=U, entry=entry(MAX_QUEUE)), QueueFull),
]


@pytest.mark.parametrize(("past", "command", "error"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS])
def test_refusals(past: tuple[Any, ...], command: Any, error: type[DomainError]) -> None:
    state = run(*past)[0] if past else None
    with pytest.raises(error):
        decided(state, command)


def test_evolve_refuses_unknown_events() -> None:
    with pytest.raises(TypeError):
        evolve(None, object())  # type: ignore[arg-type]


def switch(
    asset_key: str | None, *, tempo: float, position_ms: int, duration_ms: int = 144_000, track_id: str | None = "t1"
) -> c.SwitchRendition:
    return c.SwitchRendition(session_id=U, device_id="phone", item_id="i1", asset_key=asset_key, tempo=tempo,
                             duration_ms=duration_ms, position_ms=position_ms,
                             track_id=track_id if asset_key else None)  # fmt: skip


def test_switching_to_a_render_and_back_keeps_the_musical_moment() -> None:
    render = "ab" * 32
    state, events = run(play(1), At(10, switch(render, tempo=1.25, position_ms=10_000)))
    assert events == [
        e.RenditionSwitched(play_no=1, asset_key=render, tempo=1.25, duration_ms=144_000, position_ms=8_000,
                            at_ms=int((T0 + timedelta(seconds=10)).timestamp() * 1000))
    ]  # fmt: skip
    assert decided(state, switch(render, tempo=1.25, position_ms=8_000), 11) == []  # already playing it
    back = decided(state, switch(None, tempo=1.0, position_ms=8_800, duration_ms=0), 11)
    assert isinstance(back[0], e.RenditionSwitched)
    assert back[0].position_ms == 11_000  # 8.8 s at tempo 1.25 is 11 s of the original
    assert back[0].duration_ms == 3 * MINUTE  # the original's length, from the queue (the edge sends none)


def test_a_render_of_another_track_is_not_found_by_the_decider() -> None:
    """The edge cannot check it (the session's read model may not show a play started a moment ago)."""
    state, _ = run(play(1, 2))
    with pytest.raises(RenderNotFound):
        decided(state, switch("cd" * 32, tempo=1.25, position_ms=1_000, track_id="t2"))
    legacy = decided(state, switch("cd" * 32, tempo=1.25, position_ms=1_000, track_id=None))  # a v4 command
    assert isinstance(legacy[0], e.RenditionSwitched)


def test_back_to_the_original_of_an_item_removed_while_it_plays_keeps_its_length() -> None:
    render = "ab" * 32
    state, _ = run(play(1, 2), At(5, switch(render, tempo=2.0, position_ms=2_000, duration_ms=90_000)))
    gone = replace(state, queue=tuple(i for i in state.queue if i.item_id != "i1"))
    back = decided(gone, switch(None, tempo=1.0, position_ms=2_000, duration_ms=0), 6)
    assert isinstance(back[0], e.RenditionSwitched)
    assert (back[0].duration_ms, back[0].position_ms) == (180_000, 4_000)


@pytest.mark.parametrize("tempo", [0.5, 0.8, 1.0, 1.25, 2.0])
def test_the_session_maps_positions_as_the_renders_do(tempo: float) -> None:
    for original_s in (0.0, 1.234, 60.0, 183.5):
        render_ms = same_moment(round(original_s * 1000), tempo_from=1.0, tempo_to=tempo)
        assert render_ms == round(to_render_time(original_s, tempo=tempo) * 1000)
        back = same_moment(render_ms, tempo_from=tempo, tempo_to=1.0)
        assert abs(back - to_original_time(render_ms / 1000, tempo=tempo) * 1000) <= 1


def test_a_session_survives_the_decider_s_snapshot() -> None:
    state, _ = run(
        play(1, 2, 3, start=1), SHUFFLE, repeat(RepeatMode.ALL), At(5, c.Resume(session_id=U, device_id="tv"))
    )
    record = AggregateRecord(version=9, state=state)
    assert snapshots.load(snapshots.dump(record), topics.LISTENING).state == state
