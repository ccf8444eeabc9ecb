"""Shared set-up of the read-model tests: an embedded log with the real codec, and a fresh read store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from projections.registry import PROJECTIONS
from tests.fakes import InMemorySchemaRegistry
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import ReadStore

LogAndCodec = tuple[EmbeddedEventLog, AvroCodec]


@asynccontextmanager
async def embedded_log(directory: Path, *topic_names: str) -> AsyncIterator[LogAndCodec]:
    """An embedded log with ``topic_names`` (6 partitions) and the dead-letter topic, plus a started codec."""
    event_log = EmbeddedEventLog(directory / "events.db")
    await event_log.start()
    await event_log.ensure_topics({**dict.fromkeys(topic_names, 6), topics.DEADLETTER: 1})
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    try:
        yield event_log, codec
    finally:
        await event_log.close()


@asynccontextmanager
async def fresh_read_store(
    request: pytest.FixtureRequest, directory: Path, projection: str
) -> AsyncIterator[ReadStore]:
    """The read store named by ``request.param`` (sqlite | postgres) with ``projection``'s tables emptied."""
    ddl = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]
    if request.param == "sqlite":
        store: ReadStore = SqliteReadStore(directory / "readmodels.db", ddl=ddl)
    else:
        from tuneton.adapters.postgres.readstore import PostgresReadStore

        store = PostgresReadStore(request.getfixturevalue("database"), ddl=ddl)
    await store.start()
    await store.reset(projection, PROJECTIONS[projection].tables)
    try:
        yield store
    finally:
        await store.close()
