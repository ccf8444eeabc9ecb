"""The batch planner: redelivery rules and the superseded-update optimisation keep the final rows."""

from __future__ import annotations

import pytest

from tuneton.adapters.sql.batch import (
    RebuildLedger,
    UpsertRun,
    by_table,
    plan_batch,
    runs,
    upsert_runs,
    without_superseded_updates,
)
from tuneton.adapters.sql.statements import SQLITE, staged_upsert
from tuneton.ports import Checkpoint, Delete, PositionGap, Update, Upsert


def _cp(offset: int, version: int, aggregate: str = "p") -> Checkpoint:
    return Checkpoint(
        projection="x", topic="t", partition=0, offset=offset, aggregate_id=aggregate, aggregate_version=version
    )


def test_later_update_of_the_same_columns_supersedes_an_earlier_one() -> None:
    touch1 = Update(table="h", key={"id": "p"}, values={"version": 1, "at": 1})
    item = Upsert(table="i", key={"id": "a"}, values={"rank": "a0"})
    touch2 = Update(table="h", key={"id": "p"}, values={"version": 2, "at": 2})
    assert without_superseded_updates([touch1, item, touch2]) == [item, touch2]


def test_an_update_with_other_columns_or_another_row_is_kept() -> None:
    rename = Update(table="h", key={"id": "p"}, values={"name": "n"})
    touch = Update(table="h", key={"id": "p"}, values={"version": 2})
    other = Update(table="h", key={"id": "q"}, values={"name": "n"})
    deleted = Delete(table="h", key={"id": "p"})
    assert without_superseded_updates([rename, other, touch, deleted]) == [rename, other, touch, deleted]


def test_plan_skips_redelivered_offsets_and_old_versions_and_groups_runs() -> None:
    ops = [Upsert(table="i", key={"id": "a"}, values={"v": 1})]
    batch = [(ops, _cp(5, 3)), (ops, _cp(6, 3)), (ops, _cp(7, 4)), (ops, _cp(8, 5))]
    plan = plan_batch(batch, positions={("t", 0): 6}, versions={"p": 3}, dialect=SQLITE)
    assert plan.applied == 2
    assert plan.positions == {("t", 0): 9}
    assert plan.versions == {"p": 5}
    assert [(sql, len(params)) for sql, params in runs(plan.statements)] == [(plan.statements[0][0], 2)]


def test_a_batch_that_starts_past_the_stored_position_is_refused_with_the_hole_named() -> None:
    """The skipped event would otherwise look like a stale duplicate forever once later versions land."""
    ops = [Upsert(table="i", key={"id": "a"}, values={"v": 1})]
    with pytest.raises(PositionGap) as gap:
        plan_batch([(ops, _cp(6, 4)), (ops, _cp(7, 5))], positions={("t", 0): 5}, versions={"p": 3}, dialect=SQLITE)
    assert (gap.value.topic, gap.value.partition, gap.value.expected, gap.value.found) == ("t", 0, 5, 6)
    with pytest.raises(PositionGap):  # a hole inside the batch too
        plan_batch([(ops, _cp(5, 4)), (ops, _cp(7, 5))], positions={("t", 0): 5}, versions={}, dialect=SQLITE)


def test_a_partition_without_a_stored_position_starts_anywhere() -> None:
    ops = [Upsert(table="i", key={"id": "a"}, values={"v": 1})]
    plan = plan_batch([(ops, _cp(40, 1)), (ops, _cp(41, 2))], positions={}, versions={}, dialect=SQLITE)
    assert (plan.applied, plan.positions) == (2, {("t", 0): 42})


def test_long_runs_of_same_shape_upserts_become_one_run_with_the_last_row_per_key() -> None:
    def item(n: int, rank: str) -> Upsert:
        return Upsert(table="i", key={"p": "x", "id": f"i{n}"}, values={"rank": rank})

    touch = Update(table="h", key={"id": "x"}, values={"version": 2})
    other_shape = Upsert(table="i", key={"p": "x", "id": "i9"}, values={"rank": "z", "by": "me"})
    ops = [item(1, "a"), item(2, "b"), item(1, "c"), item(3, "d"), touch, item(4, "e"), item(5, "f"), other_shape]
    parts = upsert_runs(ops, min_rows=3)
    assert parts == [
        UpsertRun(table="i", key=("p", "id"), values=("rank",),
                  rows=[("x", "i1", "c"), ("x", "i2", "b"), ("x", "i3", "d")]),
        touch,
        item(4, "e"),  # a run shorter than min_rows stays single operations
        item(5, "f"),
        other_shape,
    ]  # fmt: skip


def test_a_run_counts_distinct_keys_and_an_empty_list_has_no_runs() -> None:
    same = Upsert(table="t", key={"id": "a"})
    assert upsert_runs([same, same, same], min_rows=2) == [same, same, same]
    assert upsert_runs([], min_rows=1) == []


def test_the_staged_upsert_moves_rows_with_the_live_upsert_rules() -> None:
    updating = staged_upsert("i", ("p", "id"), ("rank",), "stage_0")
    assert updating.create == "CREATE TEMPORARY TABLE stage_0 ON COMMIT DROP AS SELECT p, id, rank FROM i WITH NO DATA"
    assert updating.copy == "COPY stage_0 (p, id, rank) FROM STDIN"
    assert updating.move.endswith("ON CONFLICT (p, id) DO UPDATE SET rank = excluded.rank")
    assert staged_upsert("t", ("a", "b"), (), "stage_1").move.endswith("ON CONFLICT (a, b) DO NOTHING")


def test_a_column_named_as_key_and_value_is_one_column_of_the_run_and_of_its_staging_table() -> None:
    ops = [Upsert(table="t", key={"id": n}, values={"id": n, "v": n * 2}) for n in range(3)]
    (run,) = upsert_runs(ops, min_rows=2)
    assert isinstance(run, UpsertRun)
    assert run.rows == [(0, 0), (1, 2), (2, 4)]
    assert staged_upsert(run.table, run.key, run.values, "s").copy == "COPY s (id, v) FROM STDIN"


def test_a_rebuild_ledger_carries_positions_and_versions_from_batch_to_batch() -> None:
    """What a live batch reads back from the store, a rebuild's next batch takes from the ledger."""
    ops = [Upsert(table="i", key={"id": "a"}, values={"v": 1})]
    ledger = RebuildLedger()
    assert ledger.plan([(ops, _cp(3, 2)), (ops, _cp(4, 3, "q"))], SQLITE).applied == 2
    second = ledger.plan([(ops, _cp(4, 9)), (ops, _cp(5, 2)), (ops, _cp(6, 3))], SQLITE)
    assert second.applied == 1  # offset 4 was seen, version 2 of p was applied: only p's version 3
    with pytest.raises(PositionGap):
        ledger.plan([(ops, _cp(8, 4))], SQLITE)  # offset 7 never came
    positions, versions = ledger.rows("x")
    assert positions == [("x", "t", 0, 7)]
    assert sorted(versions) == [("x", "p", 3), ("x", "q", 3)]


def test_grouping_by_table_keeps_each_tables_order() -> None:
    add = [Upsert(table="items", key={"id": f"i{n}"}, values={"p": n % 2}) for n in range(3)]
    touch = [Update(table="lists", key={"id": f"p{n}"}, values={"version": n}) for n in range(2)]
    removed = Delete(table="items", key={"id": "i0"})
    ops = [add[0], touch[0], add[1], touch[1], removed, add[2], add[0]]
    assert by_table(ops) == [add[0], add[1], removed, add[2], add[0], touch[0], touch[1]]
