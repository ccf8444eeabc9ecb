"""A store that fails while a projector persists is retried, never skipped and never dead-lettered.

The runners here are the embedded hosts; the Faust agents drive the same sinks (processors/sinks.py),
and tests/fault/ checks them against real outages. The stores are real SQLite ones whose first calls
fail the way an unreachable server does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from processors.embedded import ProjectorRunner, SearchRunner
from processors.projector import ProjectorStep
from processors.search import SearchStep
from projections.registry import PROJECTIONS, SEARCH
from tests.integration.test_track_projectors import STREAM, append, log, titles  # noqa: F401 - `log` is a fixture
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.adapters.sqlite.search import SqliteSearchIndex
from tuneton.availability import StoreUnavailable
from tuneton.catalog_values import SearchDocument
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import Checkpoint, RowOp

OUTAGE = 3  # failed calls before the store answers again


class UnreachableIndex(SqliteSearchIndex):
    """The first ``OUTAGE`` lookups fail like an Elasticsearch that refuses connections."""

    lookups_failed = 0

    async def get(self, track_id: str) -> SearchDocument | None:
        if self.lookups_failed < OUTAGE:
            self.lookups_failed += 1
            raise ConnectionError("Connection refused")
        return await super().get(track_id)


class UnreachableReadStore(SqliteReadStore):
    """The first ``OUTAGE`` transactions fail like a PostgreSQL that went away."""

    applies_failed = 0

    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        if self.applies_failed < OUTAGE:
            self.applies_failed += 1
            raise StoreUnavailable("read store", "connection refused")
        return await super().apply(batch)


async def test_an_unreachable_index_is_retried_and_nothing_is_dead_lettered(
    log: tuple[EmbeddedEventLog, AvroCodec],  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    records = await append(log, STREAM)
    index = UnreachableIndex(tmp_path / "search.db")
    await index.start()
    try:
        runner = SearchRunner(log[0], index, SearchStep(log[1], SEARCH))
        assert await runner.process(records) == 5
        assert index.lookups_failed == OUTAGE
        assert (await log[0].end_offsets(topics.DEADLETTER))[0] == 0, "good events were parked"
        assert await titles(index, "кук") == ["Кукушка"]
    finally:
        await index.close()


async def test_a_failing_read_store_transaction_is_retried_until_stored(
    log: tuple[EmbeddedEventLog, AvroCodec],  # noqa: F811 - the imported fixture
    tmp_path: Path,
) -> None:
    records = await append(log, STREAM)
    projection = PROJECTIONS["tracks"]
    ddl = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]
    store = UnreachableReadStore(tmp_path / "read.db", ddl=ddl)
    await store.start()
    try:
        runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], projection))
        applied = await runner.process(records)
        assert store.applies_failed == OUTAGE
        assert applied == len(records)
        positions = await store.positions(projection.name)
        assert positions == {(r.topic, r.partition): r.offset + 1 for r in records}
        rows: list[dict[str, Any]] = await store.fetch_all("SELECT track_id FROM tracks ORDER BY track_id", {})
        assert [r["track_id"] for r in rows] == ["t1", "t3"]  # t2 was removed
        assert (await log[0].end_offsets(topics.DEADLETTER))[0] == 0
    finally:
        await store.close()
