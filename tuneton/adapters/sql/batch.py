"""Plan one projector batch: which entries are new, which rows to write, where the checkpoints move.

Pure, so both read stores share the exactly-once-effect rule and it is unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneton.adapters.sql.statements import Dialect, statement
from tuneton.ports import Checkpoint, PositionGap, RowOp, Update, Upsert


@dataclass(kw_only=True)
class BatchPlan:
    """Row operations to run, in order, plus the bookkeeping rows to upsert afterwards."""

    dialect: Dialect
    ops: list[RowOp] = field(default_factory=list)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    applied: int = 0

    @property
    def statements(self) -> list[tuple[str, dict[str, Any]]]:
        """SQL and parameters of ``ops``, one statement each."""
        return [statement(op, self.dialect) for op in self.ops]


@dataclass(frozen=True, kw_only=True)
class UpsertRun:
    """Consecutive upserts of one shape (table, key columns, value columns), one row per key.

    Rows hold the key values, then the other values, in column order. A later upsert of a key already
    in the run replaces the earlier row in place: the same final row as running both, since an upsert
    of one shape always sets the same columns.
    """

    table: str
    key: tuple[str, ...]
    values: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def upsert_runs(ops: Sequence[RowOp], *, min_rows: int) -> list[RowOp | UpsertRun]:
    """``ops`` in order, with each run of at least ``min_rows`` same-shape upserts (distinct keys) as one
    ``UpsertRun``, for an adapter that can write a run in bulk (PostgreSQL's COPY into a staging table).
    Shorter runs stay single operations: a bulk write has a fixed cost of a few round trips."""
    out: list[RowOp | UpsertRun] = []
    run: list[Upsert] = []

    def flush() -> None:
        if not run:
            return
        rows = {tuple(op.key.values()): tuple({**op.key, **op.values}.values()) for op in run}  # as ``statement``
        if len(rows) >= min_rows:
            first = run[0]
            out.append(
                UpsertRun(table=first.table, key=tuple(first.key), values=tuple(first.values), rows=list(rows.values()))
            )
        else:
            out.extend(run)
        run.clear()

    for op in ops:
        if run and not (isinstance(op, Upsert) and _shape(op) == _shape(run[0])):
            flush()
        if isinstance(op, Upsert):
            run.append(op)
        else:
            out.append(op)
    flush()
    return out


def _shape(op: Upsert) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return op.table, tuple(op.key), tuple(op.values)


def plan_batch(
    batch: Sequence[tuple[Sequence[RowOp], Checkpoint]],
    *,
    positions: Mapping[tuple[str, int], int],
    versions: Mapping[str, int],
    dialect: Dialect,
) -> BatchPlan:
    """Skip entries already covered by a stored offset or aggregate version; plan the rest.

    A partition without a stored position accepts any first offset (a new projection, or one started
    on a log whose beginning was deleted); one with a position must continue exactly there.
    """
    plan = BatchPlan(dialect=dialect)
    applied_ops: list[RowOp] = []
    for ops, checkpoint in batch:
        partition = (checkpoint.topic, checkpoint.partition)
        known_offset = plan.positions.get(partition, positions.get(partition))
        if known_offset is not None and checkpoint.offset > known_offset:
            raise PositionGap(checkpoint.projection, *partition, expected=known_offset, found=checkpoint.offset)
        if known_offset is not None and checkpoint.offset < known_offset:
            continue
        plan.positions[partition] = checkpoint.offset + 1
        if checkpoint.aggregate_id is None:
            continue
        known_version = plan.versions.get(checkpoint.aggregate_id, versions.get(checkpoint.aggregate_id, 0))
        if checkpoint.aggregate_version <= known_version:
            continue
        plan.versions[checkpoint.aggregate_id] = checkpoint.aggregate_version
        applied_ops.extend(ops)
        plan.applied += 1
    plan.ops = without_superseded_updates(applied_ops)
    return plan


PositionRow = tuple[str, str, int, int]  # projection_positions: projection, topic, partition, next offset
VersionRow = tuple[str, str, int]  # projection_versions: projection, aggregate, version


class RebuildLedger:
    """A rebuild's positions and versions, kept in memory for the whole replay and stored once at the end.

    A rebuild empties the bookkeeping in the transaction that replays into it, so nothing but the
    replay itself can have written a position or a version: reading them back for every batch (and
    upserting them after every batch) would be round trips that can only return what this object
    already knows.
    """

    def __init__(self) -> None:
        self.positions: dict[tuple[str, int], int] = {}
        self.versions: dict[str, int] = {}

    def plan(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]], dialect: Dialect) -> BatchPlan:
        """``plan_batch`` against everything replayed so far, which the plan then extends."""
        plan = plan_batch(batch, positions=self.positions, versions=self.versions, dialect=dialect)
        self.positions.update(plan.positions)
        self.versions.update(plan.versions)
        return plan

    def rows(self, projection: str) -> tuple[list[PositionRow], list[VersionRow]]:
        """The bookkeeping rows to store: ``projection_positions``, then ``projection_versions``."""
        return bookkeeping_rows(projection, self.positions, self.versions)


def bookkeeping_rows(
    projection: str, positions: Mapping[tuple[str, int], int], versions: Mapping[str, int]
) -> tuple[list[PositionRow], list[VersionRow]]:
    """Next offsets and aggregate versions as rows of ``projection_positions`` and ``projection_versions``."""
    return (
        [(projection, topic, partition, offset) for (topic, partition), offset in positions.items()],
        [(projection, aggregate, version) for aggregate, version in versions.items()],
    )


def by_table(ops: Sequence[RowOp]) -> list[RowOp]:
    """``ops`` grouped by table, in the order each table first appears, each table's own order kept.

    The same final rows as running them as given: a row operation touches one row set of one table
    and reads nothing (no ``SET x = x + 1``), and the read models have no foreign keys or triggers
    between tables (``tests/unit/test_projection_ddl.py`` checks). Grouped, a batch of TrackAdded
    events is one long run of item upserts instead of one run per playlist, cut by its header's
    update: one bulk write instead of dozens.
    """
    tables: dict[str, list[RowOp]] = {}
    for op in ops:
        tables.setdefault(op.table, []).append(op)
    return [op for table_ops in tables.values() for op in table_ops]


def without_superseded_updates(ops: Sequence[RowOp]) -> list[RowOp]:
    """Drop an Update whose columns a later Update of the same row overwrites anyway.

    Safe because row operations never read column values (no ``SET x = x + 1``): the final state
    is the same, and a replay of 100 TrackAdded events writes the playlist header once, not 100 times.
    """
    kept: list[RowOp] = []
    later: dict[tuple[str, frozenset[tuple[str, Any]]], set[str]] = {}
    for op in reversed(ops):
        if isinstance(op, Update):
            row = (op.table, frozenset(op.key.items()))
            overwritten = later.setdefault(row, set())
            if set(op.values) <= overwritten:
                continue
            overwritten.update(op.values)
        kept.append(op)
    kept.reverse()
    return kept


def runs(statements: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Consecutive statements with the same SQL, grouped for ``executemany`` (order is kept).

    A replay of TrackAdded events is thousands of identical upserts in a row: one round trip each
    would dominate a rebuild.
    """
    grouped: list[tuple[str, list[dict[str, Any]]]] = []
    for sql, params in statements:
        if grouped and grouped[-1][0] == sql:
            grouped[-1][1].append(params)
        else:
            grouped.append((sql, [params]))
    return grouped
