"""The listening read model on real stores (SQLite, PostgreSQL): a session decided by the real decider,
its events through the real codec and log, applied (twice) by the projector runner, read back by the readers.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from processors.embedded import ProjectorRunner
from processors.projector import ProjectorStep
from projections.registry import PROJECTIONS
from query_api.listening_views import queue_view, session_view
from query_api.readers import listening as reader
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.integration.read_models import LogAndCodec, embedded_log, fresh_read_store
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.domain.context import CommandContext
from tuneton.domain.listening import commands as c
from tuneton.domain.listening.decider import Session, decide, evolve
from tuneton.domain.listening.values import QueueEntry, RepeatMode
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import LogRecord, OutgoingRecord, ReadStore

U = "listener-9"
T0 = datetime(2025, 6, 1, tzinfo=UTC)
MINUTE = 60_000


def entry(n: int) -> QueueEntry:
    return QueueEntry(item_id=f"i{n}", track_id=f"t{n}", duration_ms=3 * MINUTE)


# (seconds after T0, command): play three tracks, shuffle, listen, seek, pause, another device picks up
SCRIPT: list[tuple[int, Any]] = [
    (0, c.PlayCollection(session_id=U, device_id="phone", entries=(entry(1), entry(2), entry(3)), start_index=0,
                         seed=3)),
    (1, c.SetRepeat(session_id=U, mode=RepeatMode.ALL)),
    (40, c.SkipToNext(session_id=U, device_id="phone")),
    (100, c.ReportPosition(session_id=U, device_id="phone", item_id="i2", position_ms=60_000)),
    (110, c.Pause(session_id=U, device_id="phone", position_ms=70_000)),
    (500, c.Resume(session_id=U, device_id="laptop")),
    (501, c.PlayNext(session_id=U, entry=entry(9))),
]  # fmt: skip


def decided_events() -> list[tuple[datetime, Any]]:
    state: Session | None = None
    out = []
    for seconds, command in SCRIPT:
        at = T0 + timedelta(seconds=seconds)
        for event in decide(state, command, CommandContext(actor_id=U, issued_at=at)):
            state = evolve(state, event)
            out.append((at, event))
    return out


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[LogAndCodec]:
    async with embedded_log(tmp_path, topics.LISTENING_EVENTS) as opened:
        yield opened


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    async with fresh_read_store(request, tmp_path, "listening") as opened:
        yield opened


async def append(log: tuple[EmbeddedEventLog, AvroCodec], stream: list[tuple[datetime, Any]]) -> list[LogRecord]:
    event_log, codec = log
    records = []
    for version, (at, event) in enumerate(stream, start=1):
        envelope = EventEnvelope(
            event_id=str(uuid.uuid4()), aggregate_type="listening", aggregate_id=U, aggregate_version=version,
            occurred_at=at, actor_id=U, correlation_id="c", causation_id="c", event=event,
        )  # fmt: skip
        records.append(
            OutgoingRecord(topic=topics.LISTENING_EVENTS, key=U.encode(), value=codec.encode_event(envelope))
        )
    await event_log.append(records)
    subscription = await event_log.subscribe([topics.LISTENING_EVENTS], group=None)
    read = await subscription.poll(max_records=1000, wait_s=1)
    await subscription.close()
    return read


async def test_session_queue_and_history_read_back_after_a_redelivery(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    stream = decided_events()
    records = await append(log, stream)
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["listening"]))
    assert await runner.process(records) == len(stream)
    assert await runner.process(records) == 0  # redelivered: skipped by the version guard

    row = await reader.session(store, U)
    assert row is not None
    now = int((T0 + timedelta(seconds=510)).timestamp() * 1000)
    session = session_view(row, now_ms=now, device_id="phone")
    assert (session.device_id, session.this_device_active, session.repeat) == ("laptop", False, RepeatMode.ALL)
    assert session.now_playing is not None
    assert (session.now_playing.item_id, session.now_playing.saved_position_ms) == ("i2", 70_000)
    assert session.now_playing.position_ms == 80_000  # resumed at 500 s, read 10 s later
    assert session.version == len(stream)

    queue = queue_view(await reader.queue(store, U), current_item=row["item_id"], viewer=U)
    assert [i.item_id for i in queue.data] == ["i1", "i2", "i9", "i3"]
    assert queue.current_index == 1
    assert not any(i.available for i in queue.data)  # no such tracks in the catalogue

    plays = await reader.history(store, U, limit=10, offset=0)
    assert [(p["track_id"], p["outcome"], p["heard_ms"]) for p in plays] == [
        ("t2", "playing", 70_000),  # 60 s by the report at 100 s, 10 s more by the pause; resumed since
        ("t1", "skipped", 40_000),
    ]
    left = await reader.continue_listening(store, U, limit=10)
    assert [(r["track_id"], r["position_ms"]) for r in left] == [("t2", 70_000), ("t1", 40_000)]
    recent = await reader.recently_played(store, U, limit=10)
    assert [(r["track_id"], r["plays"]) for r in recent] == [("t2", 1), ("t1", 1)]
