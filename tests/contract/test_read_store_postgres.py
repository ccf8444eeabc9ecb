"""The ReadStore contract on a real PostgreSQL, in a throw-away database per module.

The database uses an ICU en-US default collation on purpose: under it "aZ" sorts after "aa", so
only the ``COLLATE "C"`` on rank columns keeps playlist order byte-wise, and the rank test proves it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.contract.read_store_contract import DDL, ReadStoreContract, announcing
from tuneton.adapters.postgres.readstore import PostgresReadStore
from tuneton.ports import Checkpoint, ReadStore, RowOp, Upsert

pytestmark = pytest.mark.postgres


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def database(postgres_dsn: str) -> Iterator[str]:
    """DSN of a fresh database ``tuneton_test_<uuid>``, dropped after the module."""
    name = f"tuneton_test_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        try:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'").format(ident)
            )
        except psycopg.errors.FeatureNotSupported:  # a server built without ICU: default collation
            admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield _with_database(postgres_dsn, name)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


class TestPostgresReadStore(ReadStoreContract):
    db_error = psycopg.Error

    dsn: str

    @pytest.fixture
    async def store(self, database: str) -> AsyncIterator[ReadStore]:
        self.dsn = database
        read_store = PostgresReadStore(database, ddl=[DDL], min_size=1, max_size=2)
        await read_store.start()
        yield read_store
        await read_store.close()

    async def titles_elsewhere(self) -> list[str]:
        async with await psycopg.AsyncConnection.connect(self.dsn) as other:
            cursor = await other.execute("SELECT title FROM contract_lists ORDER BY list_id")
            return [str(title) for (title,) in await cursor.fetchall()]

    async def test_the_database_collation_is_not_byte_wise(self, store: ReadStore) -> None:
        rows = await store.fetch_all("SELECT 'aZ' < 'aa' AS byte_wise", {})
        assert rows == [{"byte_wise": False}]


async def _waiting_on_locks(conn: psycopg.AsyncConnection[Any], count: int, timeout_s: float = 10.0) -> None:
    """Wait until ``count`` sessions of this database wait on a lock."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        cursor = await conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        row = await cursor.fetchone()
        if row is not None and row[0] >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"fewer than {count} sessions waiting on locks")


async def test_a_lagging_instance_cannot_overwrite_a_newer_batch(database: str) -> None:
    """Two projector instances on one partition (a rebalance's zombie): the first batch of a fresh
    projection must serialise too, although no bookkeeping row exists yet to lock."""
    projection = f"race-{uuid.uuid4().hex[:8]}"
    fresh, zombie = (PostgresReadStore(database, ddl=[DDL], min_size=1, max_size=1) for _ in range(2))
    await fresh.start()
    await zombie.start()
    blocker = await psycopg.AsyncConnection.connect(database)
    try:
        # Hold a row the zombie's batch writes first, so it stalls *after* reading the bookkeeping.
        await blocker.execute("INSERT INTO contract_tags VALUES ('L1', 'stall')")

        def title(offset: int, text: str) -> tuple[list[RowOp], Checkpoint]:
            op = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": text, "size": offset})
            return [op], Checkpoint(
                projection=projection, topic="t", partition=0, offset=offset,
                aggregate_id="L1", aggregate_version=offset + 1,
            )  # fmt: skip

        stall = Upsert(table="contract_tags", key={"list_id": "L1", "tag": "stall"})
        late = asyncio.create_task(zombie.apply([([stall, *title(0, "stale")[0]], title(0, "stale")[1])]))
        await _waiting_on_locks(blocker, 1)
        newer = asyncio.create_task(fresh.apply([title(0, "v1"), title(1, "v2")]))
        await asyncio.sleep(0.3)  # unfixed, the newer batch commits here, before the zombie's
        await blocker.rollback()
        await asyncio.gather(late, newer)
        rows = await fresh.fetch_all("SELECT title FROM contract_lists WHERE list_id = 'L1'", {})
        assert rows == [{"title": "v2"}]
        assert await fresh.aggregate_version(projection, "L1") == 2
        assert await fresh.positions(projection) == {("t", 0): 2}
    finally:
        await blocker.close()
        await fresh.close()
        await zombie.close()


async def test_a_commit_in_another_process_wakes_a_waiter_and_a_lost_listener_falls_back_to_polling(
    database: str,
) -> None:
    """The projector (a worker process) commits; the query process's waiter hears it through
    LISTEN/NOTIFY. When the listening connection dies, waiters are woken to read again, ``watch``
    answers None (poll) until the listener is back, and then announcements flow again."""
    projection = f"notify-{uuid.uuid4().hex[:8]}"
    reader, writer = (PostgresReadStore(database, ddl=[DDL], min_size=1, max_size=1) for _ in range(2))
    await reader.start()
    await writer.start()
    try:
        await announcing(reader, projection)
        checkpoint = Checkpoint(
            projection=projection, topic="t", partition=0, offset=0, aggregate_id="A", aggregate_version=1
        )
        entry: tuple[list[RowOp], Checkpoint] = ([], checkpoint)
        with reader.watch(projection, "A") as committed:
            assert committed is not None
            await writer.apply([entry])
            async with asyncio.timeout(10):
                await committed.wait()
        assert await reader.aggregate_version(projection, "A") == 1

        with reader.watch(projection, "B") as orphaned:
            assert orphaned is not None
            async with await psycopg.AsyncConnection.connect(database, autocommit=True) as admin:
                await admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
                )
            async with asyncio.timeout(10):
                await orphaned.wait()  # woken: its notification may have been lost with the connection
        with reader.watch(projection, "B") as meanwhile:
            assert meanwhile is None
        await announcing(reader, projection)  # reconnected
    finally:
        await reader.close()
        await writer.close()
