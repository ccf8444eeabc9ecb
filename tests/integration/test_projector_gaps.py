"""A projector handed records from past its stored position reads the skipped ones from the log first.

The store's positions are the truth, not a consumer group's offsets: Faust was seen (the worker-SIGKILL
fault test) to redeliver from past an event the projector never stored, after which the later versions
made that event look like a stale duplicate forever. Real embedded log and SQLite store; the Faust host
drives the same sink.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from processors.embedded import ProjectorRunner
from processors.projector import ProjectorStep
from processors.sinks import ProjectorSink
from projections.registry import PROJECTIONS
from tests.integration.test_track_projectors import STREAM, append, ingested, log  # noqa: F401 - a fixture
from tests.unit.test_track_decider import INGESTED
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.domain.track import events as e
from tuneton.domain.track.values import TrackMetadata
from tuneton.events.codec import AvroCodec
from tuneton.ports import LogRecord

PROJECTION = PROJECTIONS["tracks"]
# One track, three versions in one partition: skipping the correction (v2) leaves the old title unless
# the projector reads it back, since v3 does not touch the title.
CORRECTED = [
    ("g1", ingested("Old title", "Kino")),
    ("g1", e.MetadataCorrected(metadata=TrackMetadata(title="New title", artists=("Kino",)))),
    ("g1", e.CoverReplaced(covers=INGESTED.covers, cover_source="uploaded")),
]
DDL = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]


async def _store(path: Path) -> SqliteReadStore:
    store = SqliteReadStore(path, ddl=DDL)
    await store.start()
    return store


async def _rows(store: SqliteReadStore) -> list[dict[str, Any]]:
    return await store.fetch_all("SELECT * FROM tracks ORDER BY track_id", {})


def _skipping(records: list[LogRecord]) -> tuple[list[LogRecord], list[LogRecord], LogRecord]:
    """The first record of each partition, the rest without one record the consumer "skipped", that record."""
    first: dict[int, LogRecord] = {}
    for record in records:
        first.setdefault(record.partition, record)
    rest = [r for r in records if r not in first.values()]
    skipped = next(r for r in rest if any(o.partition == r.partition and o.offset > r.offset for o in rest))
    return list(first.values()), [r for r in rest if r is not skipped], skipped


async def test_a_skipped_record_is_read_from_the_log_and_applied_before_the_batch(
    log: tuple[EmbeddedEventLog, AvroCodec],  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    records = await append(log, CORRECTED + STREAM)
    reference, store = await _store(tmp_path / "reference.db"), await _store(tmp_path / "read.db")
    try:
        await ProjectorRunner(log[0], reference, ProjectorStep(log[1], PROJECTION)).process(records)
        heads, later, skipped = _skipping(records)
        runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTION))
        await runner.process(heads)
        await runner.process(later)  # starts past the stored position of `skipped`'s partition

        assert await _rows(store) == await _rows(reference)
        positions = await store.positions(PROJECTION.name)
        assert positions[(skipped.topic, skipped.partition)] > skipped.offset
        assert positions == await reference.positions(PROJECTION.name)
    finally:
        await reference.close()
        await store.close()


async def test_an_offset_the_log_holds_no_record_at_is_passed_not_waited_for(
    log: tuple[EmbeddedEventLog, AvroCodec],  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    """Kafka gives a transaction marker an offset of its own: reading the hole returns no record there."""
    records = await append(log, STREAM)
    heads, later, skipped = _skipping(records)
    asked: list[tuple[str, int, int, int]] = []

    async def marker_only(topic: str, partition: int, start: int, stop: int) -> list[LogRecord]:
        asked.append((topic, partition, start, stop))
        return []

    store = await _store(tmp_path / "read.db")
    try:
        sink = ProjectorSink(ProjectorStep(log[1], PROJECTION), store, log[0].append, fill=marker_only)
        await sink.process(heads)
        await sink.process(later)
        assert asked == [(skipped.topic, skipped.partition, skipped.offset, skipped.offset + 1)]
        positions = await store.positions(PROJECTION.name)
        assert positions[(skipped.topic, skipped.partition)] == max(
            r.offset for r in later if r.partition == skipped.partition
        ) + 1
    finally:
        await store.close()
