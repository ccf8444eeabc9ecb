"""Read models on SQLite: the embedded default's ReadStore."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from tuneton.adapters.embedded.database import connect
from tuneton.adapters.sql.applied import EVERY_AGGREGATE, AppliedSignals
from tuneton.adapters.sql.batch import (
    PositionRow,
    RebuildLedger,
    VersionRow,
    bookkeeping_rows,
    by_table,
    plan_batch,
    runs,
)
from tuneton.adapters.sql.overlap import overlapped
from tuneton.adapters.sql.statements import BOOKKEEPING_DDL, SQLITE, split_script, statement
from tuneton.ports import Checkpoint, ProjectedBatch, ReadStore, RowOp

REBUILD_CACHE_KIB = -256 * 1024  # PRAGMA cache_size in KiB when negative: 256 MiB while a rebuild runs


class SqliteReadStore(ReadStore):
    """ReadStore on ``<data_dir>/readmodels.db``."""

    def __init__(self, path: Path, *, ddl: Sequence[str], synchronous: str = "NORMAL") -> None:
        self._path = path
        self._ddl = ddl
        self._synchronous = synchronous
        self._conn: sqlite3.Connection | None = None
        # The projectors of the embedded runtime write through this very object, so its own commits
        # are the ones read-your-writes waiters wait for (another process's writes are polled for).
        self._signals = AppliedSignals()
        # Called with each commit's projection and aggregate ids: the embedded worker's link tells the
        # serving process, whose read-your-writes waiters wait for this process's projectors.
        self.on_applied: Callable[[str, set[str]], None] | None = None

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("read store not started")
        return self._conn

    async def start(self) -> None:
        """Open the file and create the tables."""
        if self._conn is not None:
            return
        self._conn = connect(self._path, synchronous=self._synchronous)
        self._conn.row_factory = sqlite3.Row
        for script in (BOOKKEEPING_DDL, *self._ddl):
            for sql in split_script(script.replace('COLLATE "C"', "COLLATE BINARY")):
                self._conn.execute(sql)

    async def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """One transaction for the whole batch; see ``ReadStore.apply``."""
        if not batch:
            return 0
        with self._transaction():
            applied = self._apply(batch)
        self._announce(batch[0][1].projection, {c.aggregate_id for _, c in batch if c.aggregate_id})
        return applied

    def applied_elsewhere(self, projection: str, aggregate_ids: set[str]) -> None:
        """Another process committed ``aggregate_ids`` of ``projection`` to this file: wake their waiters."""
        self._signals.applied(projection, aggregate_ids)

    def _announce(self, projection: str, aggregate_ids: set[str]) -> None:
        self._signals.applied(projection, aggregate_ids)
        if self.on_applied is not None:
            self.on_applied(projection, aggregate_ids)

    def watch(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        """Set after this store commits a batch of ``projection`` that touched ``aggregate_id``."""
        return self._signals.watch(projection, aggregate_id)

    async def rebuild(self, projection: str, tables: Sequence[str], batches: AsyncIterator[ProjectedBatch]) -> int:
        """One transaction for the whole replay; see ``ReadStore.rebuild``.

        Readers (WAL) keep seeing the old rows until the commit. Each batch is written in a thread:
        SQLite lets go of the GIL while it works, so the event loop decodes the next batch meanwhile.
        A larger page cache keeps the growing transaction's pages in memory instead of spilling them
        to the WAL early; it is put back afterwards.
        """
        db = self._db
        (cache_size,) = db.execute("PRAGMA cache_size").fetchone()
        db.execute(f"PRAGMA cache_size={REBUILD_CACHE_KIB}")
        try:
            with self._transaction():
                self._empty(projection, tables)
                ledger = RebuildLedger()
                applied = await overlapped(batches, lambda batch: asyncio.to_thread(self._replay, ledger, batch))
                self._store_bookkeeping(*ledger.rows(projection))
        finally:
            db.execute(f"PRAGMA cache_size={int(cache_size)}")
        self._announce(projection, {EVERY_AGGREGATE})
        return applied

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """Plan and write one live batch inside the caller's transaction."""
        if not batch:
            return 0
        projection = batch[0][1].projection
        ids = sorted({c.aggregate_id for _, c in batch if c.aggregate_id is not None})
        plan = plan_batch(
            batch, positions=self._positions(projection), versions=self._versions(projection, ids), dialect=SQLITE
        )
        self._write(plan.ops)
        self._store_bookkeeping(*bookkeeping_rows(projection, plan.positions, plan.versions))
        return plan.applied

    def _replay(self, ledger: RebuildLedger, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """Write one batch of a rebuild; its bookkeeping stays in ``ledger`` until the end."""
        plan = ledger.plan(batch, SQLITE)
        self._write(by_table(plan.ops))
        return plan.applied

    def _write(self, ops: Sequence[RowOp]) -> None:
        for sql, params in runs([statement(op, SQLITE) for op in ops]):
            self._db.executemany(sql, params)

    def _store_bookkeeping(self, positions: list[PositionRow], versions: list[VersionRow]) -> None:
        self._db.executemany(
            "INSERT INTO projection_positions VALUES (?, ?, ?, ?) ON CONFLICT (projection, topic, partition) "
            "DO UPDATE SET next_offset = excluded.next_offset",
            positions,
        )
        self._db.executemany(
            "INSERT INTO projection_versions VALUES (?, ?, ?) ON CONFLICT (projection, aggregate_id) "
            "DO UPDATE SET version = excluded.version",
            versions,
        )

    def _versions(self, projection: str, ids: Sequence[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(ids), 500):  # SQLite caps bound parameters per statement
            chunk = ids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self._db.execute(
                f"SELECT aggregate_id, version FROM projection_versions WHERE projection = ? "
                f"AND aggregate_id IN ({marks})",
                (projection, *chunk),
            )
            found.update({str(a): int(v) for a, v in rows})
        return found

    async def positions(self, projection: str) -> dict[tuple[str, int], int]:
        """Stored next offsets."""
        return self._positions(projection)

    def _positions(self, projection: str) -> dict[tuple[str, int], int]:
        rows = self._db.execute(
            "SELECT topic, partition, next_offset FROM projection_positions WHERE projection = ?", (projection,)
        )
        return {(str(t), int(p)): int(o) for t, p, o in rows}

    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        """Stored version of one aggregate."""
        return self._versions(projection, [aggregate_id]).get(aggregate_id, 0)

    async def reset(self, projection: str, tables: Sequence[str]) -> None:
        """Empty the projection's tables and bookkeeping in one transaction."""
        with self._transaction():
            self._empty(projection, tables)

    def _empty(self, projection: str, tables: Sequence[str]) -> None:
        for table in tables:
            self._db.execute(f"DELETE FROM {table}")
        self._db.execute("DELETE FROM projection_positions WHERE projection = ?", (projection,))
        self._db.execute("DELETE FROM projection_versions WHERE projection = ?", (projection,))

    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Rows as dicts."""
        return [dict(row) for row in self._db.execute(sql, dict(params))]
