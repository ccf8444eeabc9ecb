"""Read models on PostgreSQL (psycopg 3, async pool): the distributed runtime's ReadStore.

When the server is down, a call fails within ``acquire_timeout_s`` (not the pool's default 30 s) with
:class:`StoreUnavailable`, and for as long again after such a failure every call fails at once (a
:class:`Breaker`): the HTTP edge answers 503 with Retry-After, readiness says "not ready", and
projectors retry their batch. The pool reconnects by itself when the server
is back; nothing needs a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, asynccontextmanager, nullcontext
from functools import partial
from typing import Any

import psycopg
from psycopg import AsyncConnection, AsyncCursor
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from tuneton.adapters.sql.applied import (
    EVERY_AGGREGATE,
    NOTIFY_CHANNEL,
    AppliedSignals,
    notify_payload,
    parse_payload,
)
from tuneton.adapters.sql.batch import (
    RebuildLedger,
    UpsertRun,
    bookkeeping_rows,
    by_table,
    plan_batch,
    runs,
    upsert_runs,
)
from tuneton.adapters.sql.overlap import overlapped
from tuneton.adapters.sql.statements import BOOKKEEPING_DDL, POSTGRES, split_script, staged_upsert, statement
from tuneton.availability import Breaker, StoreUnavailable
from tuneton.ports import Checkpoint, ProjectedBatch, ReadStore, RowOp

# Serialises DDL across processes (API and workers start together): CREATE TABLE IF NOT EXISTS races.
_DDL_LOCK = 0x7475_6E65
# Errors that say "the server is not there right now", not "this statement is wrong". PoolTimeout is
# an OperationalError too; listed for the reader. Deadlocks and cancellations (also OperationalErrors)
# are worth a retry as well.
RECONNECT_GIVE_UP_S = 5.0
STAGED_MIN_ROWS = 16  # a run of upserts this long is COPYed (three round trips) rather than pipelined
_UNREACHABLE = (psycopg.OperationalError, psycopg.InterfaceError, PoolTimeout)
_POSITIONS_SQL = "SELECT topic, partition, next_offset FROM projection_positions WHERE projection = %s"
LISTEN_RETRY_S = 1.0  # after the LISTEN connection is lost, waiters poll until it is back
# A silent LISTEN connection is normal, so only TCP keepalives tell a dead link (no FIN: a partition,
# a vanished host) from a quiet one: within about 11 s instead of the kernel's two hours. Remembered
# rows (commands/track_access.py) trust this connection to hear every change.
LISTEN_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 3}

log = logging.getLogger(__name__)


class PostgresReadStore(ReadStore):
    """ReadStore on a PostgreSQL database given by ``dsn``."""

    def __init__(
        self,
        dsn: str,
        *,
        ddl: Sequence[str],
        min_size: int = 1,
        max_size: int = 8,
        acquire_timeout_s: float = 2.0,
        connect_timeout_s: int = 3,
    ) -> None:
        self._dsn = dsn
        self._ddl = ddl
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._sizes = (min_size, max_size)
        self._acquire_timeout_s = acquire_timeout_s
        self._breaker = Breaker("read store", open_s=acquire_timeout_s)
        self._connect_timeout_s = connect_timeout_s
        self._signals = AppliedSignals()
        self._listener: asyncio.Task[None] | None = None
        self._listening = False

    @property
    def _p(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        if self._pool is None:
            raise RuntimeError("read store not started")
        return self._pool

    async def start(self) -> None:
        """Open the pool and create the tables."""
        if self._pool is not None:
            return
        self._pool = AsyncConnectionPool(
            self._dsn,
            min_size=self._sizes[0],
            max_size=self._sizes[1],
            open=False,
            timeout=self._acquire_timeout_s,
            # Autocommit: a read is one statement, and without it psycopg wraps it in BEGIN ... COMMIT,
            # three round trips where one does (measured: the track-visibility check of every playlist
            # command was a third of the API's CPU on Kafka). Writes open explicit transactions.
            kwargs={"connect_timeout": self._connect_timeout_s, "autocommit": True},
            # psycopg_pool's backoff doubles without a cap (1, 2, 4 ... 64 s): after a 90-s outage the
            # pool came back 24 s after the server did. Giving up after a few seconds instead lets the
            # next waiting caller start a fresh attempt, which connects as soon as the server answers.
            reconnect_timeout=RECONNECT_GIVE_UP_S,
        )
        await self._pool.open(wait=True, timeout=30)
        async with self._p.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            for script in (BOOKKEEPING_DDL, *self._ddl):
                for sql in split_script(script):
                    await conn.execute(sql)

    async def close(self) -> None:
        """Stop listening and close the pool."""
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """One transaction for the whole batch; see ``ReadStore.apply``."""
        if not batch:
            return 0
        ids = {c.aggregate_id for _, c in batch if c.aggregate_id}
        # Pipeline mode: statements go out without waiting for each answer, so the transaction is two
        # round trips (locks and reads, then writes and the commit) instead of one per statement.
        async with self._connection() as conn, conn.pipeline(), conn.transaction():
            applied = await self._apply(conn, batch)
            await _notify(conn, batch[0][1].projection, ids)  # delivered at the commit, not before
        return applied

    def watch(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        """Set when a commit of ``projection`` touching ``aggregate_id`` is announced (any process).

        The first call starts the LISTEN connection: only processes that serve reads hold one (the
        workers, which only write, never call this). Until it listens, and whenever it has lost its
        connection, the answer is ``None`` and the caller polls.
        """
        if self._listener is None and self._pool is not None:
            self._listener = asyncio.get_running_loop().create_task(self._listen(), name="read-store-listen")
        if not self._listening:
            return nullcontext(None)
        return self._signals.watch(projection, aggregate_id)

    def invalidations(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        """``watch``'s events keep ``ReadStore.invalidations``' promise here: NOTIFY reaches a listening
        connection for every commit, and losing that connection sets every registered event."""
        return self.watch(projection, aggregate_id)

    async def _listen(self) -> None:
        """LISTEN for projector commits and wake their waiters; reconnect when the connection drops.

        Notifications sent while the connection was down are lost, so every waiter is woken when it
        drops (each reads its version again) and waiters poll until it is back.
        """
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    make_conninfo(self._dsn, **LISTEN_KEEPALIVES),
                    autocommit=True,
                    connect_timeout=self._connect_timeout_s,
                ) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self._listening = True
                    async for note in conn.notifies():
                        self._signals.applied(*parse_payload(note.payload))
            except Exception as error:  # noqa: BLE001 - any failure: waiters poll, the loop reconnects
                log.warning("read store: not listening for commits (%r); waiters poll", error)
            finally:
                self._listening = False
                self._signals.wake_all()
            await asyncio.sleep(LISTEN_RETRY_S)

    async def rebuild(self, projection: str, tables: Sequence[str], batches: AsyncIterator[ProjectedBatch]) -> int:
        """One transaction for the whole replay; see ``ReadStore.rebuild``.

        MVCC keeps the old rows visible to every other connection until the commit. While a batch's
        statements wait on the server, the event loop decodes the next batch. The bookkeeping lives in
        a ``RebuildLedger`` and is stored once, at the end.
        """
        ledger = RebuildLedger()
        locked: set[tuple[str, int]] = set()
        async with self._connection() as conn, conn.transaction():
            await self._empty(conn, projection, tables)
            write = partial(self._rebuild_batch, conn, ledger=ledger, locked=locked, stages={})
            applied = await overlapped(batches, write)
            positions, versions = ledger.rows(projection)
            async with conn.cursor() as cur:
                await cur.executemany("INSERT INTO projection_positions VALUES (%s, %s, %s, %s)", positions)
                async with cur.copy("COPY projection_versions (projection, aggregate_id, version) FROM STDIN") as copy:
                    for row in versions:
                        await copy.write_row(row)
            await _notify(conn, projection, [EVERY_AGGREGATE])
        return applied

    async def _rebuild_batch(
        self,
        conn: AsyncConnection[Any],
        batch: Sequence[tuple[Sequence[RowOp], Checkpoint]],
        *,
        ledger: RebuildLedger,
        locked: set[tuple[str, int]],
        stages: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str],
    ) -> int:
        """Write one replayed batch: its rows grouped by table, long upsert runs through COPY.

        A partition's advisory lock (see ``_apply``) is taken when the replay first meets it and held
        to the commit, so a live projector that was not stopped waits instead of racing the replay.
        """
        if not batch:
            return 0
        projection = batch[0][1].projection
        for partition in sorted({(c.topic, c.partition) for _, c in batch} - locked):
            await _lock_partition(conn, projection, partition)
            locked.add(partition)
        plan = ledger.plan(batch, POSTGRES)
        async with conn.cursor() as cur:
            await _write_staged(cur, by_table(plan.ops), stages)
        return plan.applied

    async def _apply(self, conn: AsyncConnection[Any], batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """Plan and write one live batch inside the caller's transaction (one statement per row:
        live batches are small; a rebuild's go through ``_rebuild_batch``)."""
        if not batch:
            return 0
        projection = batch[0][1].projection
        ids = sorted({c.aggregate_id for _, c in batch if c.aggregate_id is not None})
        partitions = sorted({(c.topic, c.partition) for _, c in batch})
        # Two projector instances on one partition (a rebalance's zombie) must serialise. Row locks
        # alone cannot do it for a partition's first batch, when no bookkeeping row exists yet, so
        # take a transaction-scoped advisory lock per partition first (sorted: no deadlocks).
        for partition in partitions:
            await _lock_partition(conn, projection, partition)
        stored_positions = await conn.execute(_POSITIONS_SQL + " FOR UPDATE", (projection,))
        stored_versions = await conn.execute(
            "SELECT aggregate_id, version FROM projection_versions WHERE projection = %s "
            "AND aggregate_id = ANY(%s) FOR UPDATE",
            (projection, ids),
        )  # in pipeline mode all of the above is one round trip, answered at the first fetch
        positions = _as_positions(await stored_positions.fetchall())
        versions = {str(a): int(v) for a, v in await stored_versions.fetchall()}
        plan = plan_batch(batch, positions=positions, versions=versions, dialect=POSTGRES)
        positions_rows, versions_rows = bookkeeping_rows(projection, plan.positions, plan.versions)
        async with conn.cursor() as cur:
            await _execute(cur, plan.statements)
            await cur.executemany(
                "INSERT INTO projection_positions VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (projection, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                positions_rows,
            )
            await cur.executemany(
                "INSERT INTO projection_versions VALUES (%s, %s, %s) "
                "ON CONFLICT (projection, aggregate_id) DO UPDATE SET version = excluded.version",
                versions_rows,
            )
        return plan.applied

    async def positions(self, projection: str) -> dict[tuple[str, int], int]:
        """Stored next offsets."""
        async with self._connection() as conn:
            return await self._positions(conn, projection)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        """A pooled connection; an unreachable server becomes StoreUnavailable."""
        self._breaker.check()
        try:
            async with self._p.connection() as conn:
                yield conn
        except _UNREACHABLE as error:
            reason = f"{type(error).__name__}: {error}"
            if getattr(error, "sqlstate", None) is None:  # no answer from the server at all (not a deadlock)
                self._breaker.failed(reason)
            raise StoreUnavailable("read store", reason) from error

    @staticmethod
    async def _positions(conn: AsyncConnection[Any], projection: str) -> dict[tuple[str, int], int]:
        cursor = await conn.execute(_POSITIONS_SQL, (projection,))
        return _as_positions(await cursor.fetchall())

    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        """Stored version of one aggregate."""
        async with self._connection() as conn:
            cursor = await conn.execute(
                "SELECT version FROM projection_versions WHERE projection = %s AND aggregate_id = %s",
                (projection, aggregate_id),
            )
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def reset(self, projection: str, tables: Sequence[str]) -> None:
        """Empty the projection's tables and bookkeeping in one transaction."""
        async with self._connection() as conn, conn.transaction():
            await self._empty(conn, projection, tables)
            await _notify(conn, projection, [EVERY_AGGREGATE])  # rows gone: caches and waiters look again

    @staticmethod
    async def _empty(conn: AsyncConnection[Any], projection: str, tables: Sequence[str]) -> None:
        for table in tables:
            await conn.execute(f"DELETE FROM {table}")
        await conn.execute("DELETE FROM projection_positions WHERE projection = %s", (projection,))
        await conn.execute("DELETE FROM projection_versions WHERE projection = %s", (projection,))

    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Rows as dicts; ``:name`` placeholders are rewritten for psycopg."""
        async with self._connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(POSTGRES.translate(sql), dict(params))
            return list(await cur.fetchall())


def _as_positions(rows: Iterable[tuple[Any, ...]]) -> dict[tuple[str, int], int]:
    return {(str(topic), int(partition)): int(offset) for topic, partition, offset in rows}


async def _lock_partition(conn: AsyncConnection[Any], projection: str, partition: tuple[str, int]) -> None:
    """Serialise writers of one projection's partition until this transaction ends."""
    topic, number = partition
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (f"{projection}/{topic}", number))


async def _notify(conn: AsyncConnection[Any], projection: str, aggregate_ids: Iterable[str]) -> None:
    """Tell listening query processes (``watch``) which aggregates this transaction's commit changes."""
    await conn.execute("SELECT pg_notify(%s, %s)", (NOTIFY_CHANNEL, notify_payload(projection, aggregate_ids)))


async def _execute(cur: AsyncCursor[Any], statements: list[tuple[str, dict[str, Any]]]) -> None:
    for sql, params in runs(statements):
        await cur.executemany(sql, params)


async def _write_staged(
    cur: AsyncCursor[Any], ops: Sequence[RowOp], stages: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str]
) -> None:
    """``ops`` in order, runs of ``STAGED_MIN_ROWS`` or more upserts through COPY and a staging table."""
    single: list[RowOp] = []
    for part in upsert_runs(ops, min_rows=STAGED_MIN_ROWS):
        if not isinstance(part, UpsertRun):
            single.append(part)
            continue
        await _execute(cur, [statement(op, POSTGRES) for op in single])
        single.clear()
        shape = (part.table, part.key, part.values)
        fresh = shape not in stages
        stage = stages.setdefault(shape, f"rebuild_stage_{len(stages)}")
        sql = staged_upsert(*shape, stage)
        if fresh:
            await cur.execute(sql.create)
        async with cur.copy(sql.copy) as copy:
            for row in part.rows:
                await copy.write_row(row)
        await cur.execute(sql.move)
    await _execute(cur, [statement(op, POSTGRES) for op in single])
