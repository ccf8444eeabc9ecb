"""The renders read model on real stores (SQLite, PostgreSQL): events through the real codec and log,
applied by the projector runner, read back by the query API's reader.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors.embedded import ProjectorRunner
from processors.projector import ProjectorStep
from projections.registry import PROJECTIONS
from query_api.readers import renders as reader
from query_api.render_views import render_public
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.integration.read_models import LogAndCodec, embedded_log, fresh_read_store
from tests.unit.render_samples import ASSET, ASSET_KEY, LINKS, PARAMS, SOURCE
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.domain.render import events as e
from tuneton.domain.render.values import FailureReason
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import LogRecord, OutgoingRecord, ReadStore

AT = datetime(2025, 6, 1, tzinfo=UTC)
REQUESTED = e.TransformRequested(source=SOURCE, params=PARAMS, engine="rubberband-r3", engine_version="4", attempt=1)


def progressed(attempt: int, ready: int, total: int = 4) -> e.RenderProgressed:
    return e.RenderProgressed(attempt=attempt, segments_ready=ready, segments_total=total, rendered_ms=ready * 6000,
                              percent=100 * ready // total, entry_key=ASSET.entry_key)  # fmt: skip


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[LogAndCodec]:
    async with embedded_log(tmp_path, topics.RENDER_EVENTS) as opened:
        yield opened


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    async with fresh_read_store(request, tmp_path, "renders") as opened:
        yield opened


async def append(log: tuple[EmbeddedEventLog, AvroCodec], stream: list[Any], *, first: int = 1) -> list[LogRecord]:
    """Append one render's events with consecutive versions from ``first``; return them as read back."""
    event_log, codec = log
    records = []
    for version, event in enumerate(stream, start=first):
        envelope = EventEnvelope(
            event_id=str(uuid.uuid4()), aggregate_type="render", aggregate_id=ASSET_KEY, aggregate_version=version,
            occurred_at=AT, actor_id="listener", correlation_id="c", causation_id="c", event=event,
        )  # fmt: skip
        records.append(
            OutgoingRecord(topic=topics.RENDER_EVENTS, key=ASSET_KEY.encode(), value=codec.encode_event(envelope))
        )
    appended = await event_log.append(records)
    subscription = await event_log.subscribe([topics.RENDER_EVENTS], group=None)
    read = await subscription.poll(max_records=1000, wait_s=1)
    await subscription.close()
    return read[-len(appended) :]


async def row(store: ReadStore) -> dict[str, Any]:
    found = await reader.render(store, ASSET_KEY)
    assert found is not None
    return found


async def test_a_render_goes_queued_rendering_ready_and_counts_cache_hits(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["renders"]))
    records = await append(log, [REQUESTED, progressed(1, 1), progressed(1, 3)])
    assert await runner.process(records) == 3
    current = await row(store)
    assert (current["status"], current["percent"], current["segments_ready"], current["cache_hits"]) == (
        "rendering",
        75,
        3,
        0,
    )
    assert current["track_visibility"] is None  # no track row: the router hides such a render
    hits = e.AssetRendered(attempt=1, asset=ASSET, cache_hit=True)
    more = await append(log, [e.AssetRendered(attempt=1, asset=ASSET), hits, hits], first=4)
    assert await runner.process([*records, *more]) == 3  # the redelivered first three change nothing
    view = render_public(await row(store), LINKS)
    assert (view.status, view.percent, view.segments_ready, view.cache_hits, view.version) == ("ready", 100, 37, 2, 6)
    assert view.result is not None
    assert (view.result.key, view.result.duration_s, view.params.formant) == ("C minor", 146.4, True)


async def test_an_old_attempt_s_report_does_not_touch_the_retry(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["renders"]))
    failed = e.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="encoder exited with 1")
    records = await append(log, [REQUESTED, progressed(1, 2), failed])
    await runner.process(records)
    assert ((await row(store))["status"], (await row(store))["failure_reason"]) == ("failed", "internal")
    retry = await append(log, [replace(REQUESTED, attempt=2), progressed(1, 4), progressed(2, 1)], first=4)
    await runner.process(retry)
    current = await row(store)
    assert (current["attempt"], current["status"], current["segments_ready"], current["failure_reason"]) == (
        2,
        "rendering",
        1,
        None,
    )


async def register_track(store: ReadStore, track_id: str, owner: str, visibility: str, sha256: str) -> None:
    """A tracks row as the tracks projector writes it (decider → projection → store)."""
    from projections.tracks import project as tracks
    from tests.unit.track_samples import TRACK_COMMANDS
    from tuneton.domain.context import CommandContext
    from tuneton.domain.readmodel import EventMeta
    from tuneton.domain.track import decider
    from tuneton.domain.track.values import Visibility
    from tuneton.ports import Checkpoint

    sample = TRACK_COMMANDS[0][1]
    original = replace(sample.original, sha256=sha256)
    command = replace(sample, track_id=track_id, content_sha256=sha256, original=original,
                      visibility=Visibility(visibility))  # fmt: skip
    [event] = decider.decide(None, command, CommandContext(actor_id=owner, issued_at=AT))
    meta = EventMeta(aggregate_id=track_id, aggregate_version=1, occurred_at=AT, actor_id=owner)
    offset = (await store.positions("tracks")).get((topics.TRACK_EVENTS, 0), 0)  # the next one: no hole
    checkpoint = Checkpoint(projection="tracks", topic=topics.TRACK_EVENTS, partition=0, offset=offset,
                            aggregate_id=track_id, aggregate_version=1)  # fmt: skip
    await store.apply([(tracks.project(event, meta), checkpoint)])


async def test_a_render_is_public_while_any_public_track_holds_its_source_bytes(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    await store.reset("tracks", PROJECTIONS["tracks"].tables)
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["renders"]))
    await runner.process(await append(log, [REQUESTED]))  # requested for SOURCE.track_id, a private track
    await register_track(store, SOURCE.track_id, "alice", "private", SOURCE.sha256)
    private = await row(store)
    assert (private["track_visibility"], private["track_owner_id"], private["public_source"]) == (
        "private", "alice", 0
    )  # fmt: skip
    await register_track(store, "other-public", "bob", "public", SOURCE.sha256)
    assert (await row(store))["public_source"] == 1
