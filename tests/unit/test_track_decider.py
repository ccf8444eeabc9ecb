"""The track decider: given past events, when a command arrives, then these events (or this rejection)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import reduce
from typing import Any

import pytest

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.track import commands as c
from tuneton.domain.track import events as e
from tuneton.domain.track.decider import Track, decide, evolve
from tuneton.domain.track.errors import NotTrackOwner, TrackAlreadyExists, TrackNotFound
from tuneton.domain.track.values import (
    AudioFacts,
    BlobRef,
    CoverRef,
    Rendition,
    TrackAnalysis,
    TrackMetadata,
    Visibility,
)

OWNER, STRANGER = "owner-1", "stranger-2"
SHA = "0123456789abcdef" * 4
ORIGINAL = BlobRef(key=f"originals/01/23/{SHA}.mp3", sha256=SHA, size_bytes=1000, mime_type="audio/mpeg")
STREAM = Rendition(
    name="stream",
    codec="aac",
    bitrate=192_000,
    blob=BlobRef(key="renditions/x.m4a", sha256="f" * 64, size_bytes=900, mime_type="audio/mp4"),
)
COVER = CoverRef(
    size=96, format="jpeg", blob=BlobRef(key="covers/c.jpg", sha256="c" * 64, size_bytes=9, mime_type="image/jpeg")
)
NEW_COVER = replace(COVER, blob=replace(COVER.blob, key="covers/d.jpg", sha256="d" * 64))
AUDIO = AudioFacts(container="mp3", codec="mp3", duration_ms=180_000, sample_rate=44100, channels=2, bitrate=192_000)
METADATA = TrackMetadata(title="Группа крови", artists=("Кино",), album="Группа крови", year=1988, genre="Rock")
ANALYSIS = TrackAnalysis(bpm=128.4, key_tonic=9, key_mode="minor", key_confidence=0.93, lufs=-14.2, peak_dbfs=-0.3)


def register(**changes: Any) -> c.RegisterTrack:
    fields: dict[str, Any] = {
        "track_id": "t1",
        "content_sha256": SHA,
        "original": ORIGINAL,
        "audio": AUDIO,
        "renditions": (STREAM,),
        "covers": (COVER,),
        "cover_source": "embedded",
        "metadata": METADATA,
        "visibility": Visibility.PUBLIC,
    }
    return c.RegisterTrack(**{**fields, **changes})


INGESTED = decide(None, register(), CommandContext(actor_id=OWNER, issued_at=datetime(2025, 1, 1, tzinfo=UTC)))[0]
ANY_CHANGE: list[Any] = [
    c.CorrectMetadata(track_id="t1", title="New"),
    c.ReplaceCover(track_id="t1", covers=(NEW_COVER,)),
    c.RemoveTrack(track_id="t1"),
]


def given(*events: e.TrackEvent) -> Track | None:
    return reduce(evolve, events, None)


def when(state: Track | None, command: Any, actor: str = OWNER) -> list[e.TrackEvent]:
    return decide(state, command, CommandContext(actor_id=actor, issued_at=datetime(2025, 1, 2, tzinfo=UTC)))


def test_register_records_the_ingest_with_the_actor_as_owner() -> None:
    assert when(None, register(), actor="alice") == [
        e.TrackIngested(
            owner_id="alice",
            visibility=Visibility.PUBLIC,
            content_sha256=SHA,
            original=ORIGINAL,
            audio=AUDIO,
            renditions=(STREAM,),
            covers=(COVER,),
            cover_source="embedded",
            metadata=METADATA,
        )
    ]


def test_register_copies_the_analysis_into_the_event() -> None:
    [event] = when(None, register(analysis=ANALYSIS))
    assert isinstance(event, e.TrackIngested)
    assert event.analysis == ANALYSIS


def test_register_without_analysis_records_none() -> None:
    [event] = when(None, register())
    assert isinstance(event, e.TrackIngested)
    assert event.analysis is None


def test_register_cleans_the_metadata() -> None:
    messy = TrackMetadata(title="  Cafe\u0301 ", artists=("A", "A", "B"), album="", isrc="us-rc1-76-07839")
    [event] = when(None, register(metadata=messy))
    assert isinstance(event, e.TrackIngested)
    assert event.metadata == TrackMetadata(title="Café", artists=("A", "B"), album=None, isrc="USRC17607839")


def test_a_second_register_is_a_duplicate() -> None:
    with pytest.raises(TrackAlreadyExists) as rejected:
        when(given(INGESTED), register())
    assert rejected.value.reason == "track_exists"


def test_a_removed_track_can_be_registered_again() -> None:
    [event] = when(given(INGESTED, e.TrackRemoved()), register(visibility=Visibility.PRIVATE))
    assert isinstance(event, e.TrackIngested)
    assert evolve(given(INGESTED, e.TrackRemoved()), event).removed is False


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"content_sha256": "ABC"}, "content_sha256"),
        ({"original": replace(ORIGINAL, sha256="e" * 64)}, "original"),
        ({"original": replace(ORIGINAL, key="")}, "original"),
        ({"renditions": ()}, "renditions"),
        ({"covers": ()}, "covers"),
        ({"audio": replace(AUDIO, duration_ms=0)}, "audio"),
        ({"metadata": replace(METADATA, title="  ")}, "title"),
        ({"metadata": replace(METADATA, title="x" * 1025)}, "title"),
        ({"metadata": replace(METADATA, year=99)}, "year"),
        ({"metadata": replace(METADATA, track_number=0)}, "track_number"),
        ({"metadata": replace(METADATA, isrc="nope")}, "isrc"),
        ({"metadata": replace(METADATA, artists=tuple(f"a{n}" for n in range(33)))}, "artists"),
        ({"visibility": "secret"}, "visibility"),
        ({"track_id": ""}, "track_id"),
        ({"analysis": replace(ANALYSIS, bpm=0.0)}, "analysis.bpm"),
        ({"analysis": replace(ANALYSIS, bpm=float("nan"))}, "analysis"),
        ({"analysis": replace(ANALYSIS, lufs=float("-inf"))}, "analysis"),
        ({"analysis": replace(ANALYSIS, key_tonic=12)}, "analysis.key"),
        ({"analysis": replace(ANALYSIS, key_mode="dorian")}, "analysis.key"),
        ({"analysis": replace(ANALYSIS, key_confidence=1.5)}, "analysis.key_confidence"),
        ({"analysis": replace(ANALYSIS, peak_dbfs=20.0)}, "analysis"),
    ],
)
def test_register_refuses_invalid_commands(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidValue) as rejected:
        when(None, register(**changes))
    assert rejected.value.details["field"] == field


@pytest.mark.parametrize("command", ANY_CHANGE, ids=lambda cmd: type(cmd).__name__)
def test_changes_need_a_live_track(command: Any) -> None:
    for state in (None, given(INGESTED, e.TrackRemoved())):
        with pytest.raises(TrackNotFound):
            when(state, command)


@pytest.mark.parametrize("command", ANY_CHANGE, ids=lambda cmd: type(cmd).__name__)
def test_only_the_owner_or_an_admin_may_change_a_track(command: Any) -> None:
    with pytest.raises(NotTrackOwner) as rejected:
        when(given(INGESTED), command, actor=STRANGER)
    assert rejected.value.reason == "not_track_owner"
    assert when(given(INGESTED), replace(command, admin=True), actor=STRANGER)


def test_correct_metadata_patches_and_clears_and_records_a_full_snapshot() -> None:
    command = c.CorrectMetadata(
        track_id="t1", title="Кукушка", artists=("Кино", "Виктор Цой"), clear=("album", "genre")
    )
    assert when(given(INGESTED), command) == [
        e.MetadataCorrected(
            metadata=TrackMetadata(title="Кукушка", artists=("Кино", "Виктор Цой"), album=None, year=1988, genre=None)
        )
    ]


def test_a_correction_that_changes_nothing_records_nothing() -> None:
    assert when(given(INGESTED), c.CorrectMetadata(track_id="t1", title=" Группа крови ")) == []


@pytest.mark.parametrize(
    "command",
    [
        c.CorrectMetadata(track_id="t1", clear=("title",)),
        c.CorrectMetadata(track_id="t1", album="x", clear=("album",)),
        c.CorrectMetadata(track_id="t1", year=3000),
    ],
)
def test_bad_corrections_are_refused(command: c.CorrectMetadata) -> None:
    with pytest.raises(InvalidValue):
        when(given(INGESTED), command)


def test_replace_cover_and_its_no_op() -> None:
    [replaced] = when(given(INGESTED), c.ReplaceCover(track_id="t1", covers=(NEW_COVER,)))
    assert replaced == e.CoverReplaced(covers=(NEW_COVER,), cover_source="uploaded")
    state = given(INGESTED, replaced)
    assert state is not None
    assert state.covers == (NEW_COVER,)
    assert when(state, c.ReplaceCover(track_id="t1", covers=(NEW_COVER,))) == []


def test_remove_then_fold() -> None:
    [removed] = when(given(INGESTED), c.RemoveTrack(track_id="t1"))
    state = given(INGESTED, removed)
    assert state is not None
    assert state.removed


def test_evolve_refuses_events_out_of_order_and_unknown_events() -> None:
    with pytest.raises(TypeError):
        evolve(None, e.TrackRemoved())
    with pytest.raises(TypeError):
        evolve(given(INGESTED), object())  # type: ignore[arg-type]
