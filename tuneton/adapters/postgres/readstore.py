"""Read models on PostgreSQL (psycopg 3, async pool): the distributed runtime's ReadStore."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from tuneton.adapters.sql.batch import plan_batch, runs
from tuneton.adapters.sql.statements import BOOKKEEPING_DDL, POSTGRES, split_script
from tuneton.ports import Checkpoint, ReadStore, RowOp

# Serialises DDL across processes (API and workers start together): CREATE TABLE IF NOT EXISTS races.
_DDL_LOCK = 0x7475_6E65


class PostgresReadStore(ReadStore):
    """ReadStore on a PostgreSQL database given by ``dsn``."""

    def __init__(self, dsn: str, *, ddl: Sequence[str], min_size: int = 1, max_size: int = 8) -> None:
        self._dsn = dsn
        self._ddl = ddl
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._sizes = (min_size, max_size)

    @property
    def _p(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        if self._pool is None:
            raise RuntimeError("read store not started")
        return self._pool

    async def start(self) -> None:
        """Open the pool and create the tables."""
        if self._pool is not None:
            return
        self._pool = AsyncConnectionPool(self._dsn, min_size=self._sizes[0], max_size=self._sizes[1], open=False)
        await self._pool.open(wait=True, timeout=30)
        async with self._p.connection() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DDL_LOCK,))
            for script in (BOOKKEEPING_DDL, *self._ddl):
                for sql in split_script(script):
                    await conn.execute(sql)

    async def close(self) -> None:
        """Close the pool."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """One transaction for the whole batch; see ``ReadStore.apply``."""
        if not batch:
            return 0
        projection = batch[0][1].projection
        ids = sorted({c.aggregate_id for _, c in batch if c.aggregate_id is not None})
        partitions = sorted({(c.topic, c.partition) for _, c in batch})
        async with self._p.connection() as conn, conn.transaction():
            # Two projector instances on one partition (a rebalance's zombie) must serialise. Row locks
            # alone cannot do it for a partition's first batch, when no bookkeeping row exists yet, so
            # take a transaction-scoped advisory lock per partition first (sorted: no deadlocks).
            for topic, partition in partitions:
                await conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s), %s)", (f"{projection}/{topic}", partition)
                )
            positions = await self._positions(conn, projection, lock=True)
            cursor = await conn.execute(
                "SELECT aggregate_id, version FROM projection_versions WHERE projection = %s "
                "AND aggregate_id = ANY(%s) FOR UPDATE",
                (projection, ids),
            )
            versions = {str(a): int(v) for a, v in await cursor.fetchall()}
            plan = plan_batch(batch, positions=positions, versions=versions, dialect=POSTGRES)
            async with conn.cursor() as cur:
                for sql, params in runs(plan.statements):
                    await cur.executemany(sql, params)
                await cur.executemany(
                    "INSERT INTO projection_positions VALUES (%s, %s, %s, %s) "
                    "ON CONFLICT (projection, topic, partition) DO UPDATE SET next_offset = excluded.next_offset",
                    [(projection, t, p, o) for (t, p), o in plan.positions.items()],
                )
                await cur.executemany(
                    "INSERT INTO projection_versions VALUES (%s, %s, %s) "
                    "ON CONFLICT (projection, aggregate_id) DO UPDATE SET version = excluded.version",
                    [(projection, a, v) for a, v in plan.versions.items()],
                )
        return plan.applied

    async def positions(self, projection: str) -> dict[tuple[str, int], int]:
        """Stored next offsets."""
        async with self._p.connection() as conn:
            return await self._positions(conn, projection, lock=False)

    @staticmethod
    async def _positions(conn: AsyncConnection[Any], projection: str, *, lock: bool) -> dict[tuple[str, int], int]:
        sql = "SELECT topic, partition, next_offset FROM projection_positions WHERE projection = %s"
        cursor = await conn.execute(sql + (" FOR UPDATE" if lock else ""), (projection,))
        return {(str(t), int(p)): int(o) for t, p, o in await cursor.fetchall()}

    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        """Stored version of one aggregate."""
        async with self._p.connection() as conn:
            cursor = await conn.execute(
                "SELECT version FROM projection_versions WHERE projection = %s AND aggregate_id = %s",
                (projection, aggregate_id),
            )
            row = await cursor.fetchone()
        return 0 if row is None else int(row[0])

    async def reset(self, projection: str, tables: Sequence[str]) -> None:
        """Empty the projection's tables and bookkeeping in one transaction."""
        async with self._p.connection() as conn, conn.transaction():
            for table in tables:
                await conn.execute(f"DELETE FROM {table}")
            await conn.execute("DELETE FROM projection_positions WHERE projection = %s", (projection,))
            await conn.execute("DELETE FROM projection_versions WHERE projection = %s", (projection,))

    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Rows as dicts; ``:name`` placeholders are rewritten for psycopg."""
        async with self._p.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(POSTGRES.translate(sql), dict(params))
            return list(await cur.fetchall())
