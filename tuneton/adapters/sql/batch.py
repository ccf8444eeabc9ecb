"""Plan one projector batch: which entries are new, which rows to write, where the checkpoints move.

Pure, so both read stores share the exactly-once-effect rule and it is unit-tested without a database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tuneton.adapters.sql.statements import Dialect, statement
from tuneton.ports import Checkpoint, RowOp


@dataclass(kw_only=True)
class BatchPlan:
    """Statements to run, in order, plus the bookkeeping rows to upsert afterwards."""

    statements: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    applied: int = 0


def plan_batch(
    batch: Sequence[tuple[Sequence[RowOp], Checkpoint]],
    *,
    positions: Mapping[tuple[str, int], int],
    versions: Mapping[str, int],
    dialect: Dialect,
) -> BatchPlan:
    """Skip entries already covered by a stored offset or aggregate version; plan the rest."""
    plan = BatchPlan()
    for ops, checkpoint in batch:
        partition = (checkpoint.topic, checkpoint.partition)
        known_offset = plan.positions.get(partition, positions.get(partition, 0))
        if checkpoint.offset < known_offset:
            continue
        plan.positions[partition] = checkpoint.offset + 1
        if checkpoint.aggregate_id is None:
            continue
        known_version = plan.versions.get(checkpoint.aggregate_id, versions.get(checkpoint.aggregate_id, 0))
        if checkpoint.aggregate_version <= known_version:
            continue
        plan.versions[checkpoint.aggregate_id] = checkpoint.aggregate_version
        plan.statements.extend(statement(op, dialect) for op in ops)
        plan.applied += 1
    return plan
