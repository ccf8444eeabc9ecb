"""The ReadStore contract: exactly-once effect of projector batches, for SQLite and PostgreSQL.

Subclasses provide ``store`` (started with ``DDL``) and ``db_error``, the driver's base error. Each test
uses its own projection name and empties the tables through ``reset``, so a PostgreSQL database can
be shared by a whole module.
"""

from __future__ import annotations

import abc
import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import ClassVar

import pytest

from tuneton.domain.playlist.ordering import DIGITS, key_between
from tuneton.ports import Checkpoint, Delete, PositionGap, ReadStore, RowOp, Update, Upsert

DDL = """
CREATE TABLE IF NOT EXISTS contract_lists (
    list_id TEXT PRIMARY KEY, title TEXT NOT NULL, size BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS contract_items (
    list_id TEXT NOT NULL, item_id TEXT NOT NULL, rank TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (list_id, item_id));
CREATE TABLE IF NOT EXISTS contract_tags (
    list_id TEXT NOT NULL, tag TEXT NOT NULL, PRIMARY KEY (list_id, tag));
"""
TABLES = ("contract_lists", "contract_items", "contract_tags")
TOPIC = "tuneton.playlist-events"

Entry = tuple[Sequence[RowOp], Checkpoint]


def ranks() -> list[str]:
    """Order keys mixing digits, upper and lower case, as the playlist decider produces them."""
    keys = ["a0"]
    for _ in range(70):  # appends walk a0..a9, aA..aZ, aa..az, then b00...
        keys.append(key_between(keys[-1], None))
    rng = random.Random(3)
    for _ in range(30):  # inserts between neighbours add fractions
        keys.sort()
        i = rng.randrange(len(keys) - 1)
        keys.append(key_between(keys[i], keys[i + 1]))
    return keys


class ReadStoreContract(abc.ABC):
    """Inherit and implement ``store`` and ``db_error``."""

    db_error: ClassVar[type[Exception]]

    @pytest.fixture
    @abc.abstractmethod
    async def store(self) -> AsyncIterator[ReadStore]:
        """A started store with ``DDL`` applied."""
        yield  # type: ignore[misc]

    @abc.abstractmethod
    async def titles_elsewhere(self) -> list[str]:
        """``contract_lists`` titles as another connection (another process's reader) sees them."""

    @pytest.fixture
    async def projection(self, store: ReadStore) -> str:
        """A projection name of this test only; the contract tables start empty."""
        name = f"contract-{uuid.uuid4().hex[:8]}"
        await store.reset(name, TABLES)
        return name

    @staticmethod
    def at(
        projection: str, offset: int, aggregate: str | None = "L1", version: int = 0, *, partition: int = 0
    ) -> Checkpoint:
        """A checkpoint; version defaults to offset + 1 (one event per version)."""
        return Checkpoint(
            projection=projection,
            topic=TOPIC,
            partition=partition,
            offset=offset,
            aggregate_id=aggregate,
            aggregate_version=version or offset + 1,
        )

    async def lists(self, store: ReadStore) -> list[dict[str, object]]:
        return await store.fetch_all("SELECT list_id, title, size FROM contract_lists ORDER BY list_id", {})

    async def test_upsert_update_and_delete(self, store: ReadStore, projection: str) -> None:
        item = {"list_id": "L1", "item_id": "i1"}
        applied = await store.apply([
            ([Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "a", "size": 0})],
             self.at(projection, 0)),
            ([Update(table="contract_lists", key={"list_id": "L1"}, values={"title": "b", "size": 2}),
              Upsert(table="contract_items", key=item, values={"rank": "a0"}),
              Upsert(table="contract_items", key={"list_id": "L1", "item_id": "i2"}, values={"rank": "a1"})],
             self.at(projection, 1)),
            ([Delete(table="contract_items", key=item),
              Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "c", "size": 1}),
              Update(table="contract_lists", key={"list_id": "nobody"}, values={"title": "x"})],
             self.at(projection, 2)),
        ])  # fmt: skip
        assert applied == 3
        assert await self.lists(store) == [{"list_id": "L1", "title": "c", "size": 1}]
        items = await store.fetch_all("SELECT item_id FROM contract_items WHERE list_id = :id", {"id": "L1"})
        assert items == [{"item_id": "i2"}]

    async def test_an_upsert_without_values_inserts_once(self, store: ReadStore, projection: str) -> None:
        tag = Upsert(table="contract_tags", key={"list_id": "L1", "tag": "jazz"})
        assert await store.apply([([tag], self.at(projection, 0)), ([tag], self.at(projection, 1))]) == 2
        assert await store.fetch_all("SELECT list_id, tag FROM contract_tags", {}) == [{"list_id": "L1", "tag": "jazz"}]

    async def test_a_batch_is_one_transaction(self, store: ReadStore, projection: str) -> None:
        upsert = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "kept", "size": 0})
        await store.apply([([upsert], self.at(projection, 0))])
        broken = Update(table="contract_missing_table", key={"id": "x"}, values={"v": 1})
        changed = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "lost", "size": 9})
        with pytest.raises(self.db_error):
            await store.apply([
                ([changed], self.at(projection, 1)),
                ([Upsert(table="contract_lists", key={"list_id": "L2"}, values={"title": "lost", "size": 0})],
                 self.at(projection, 2, "L2", 1)),
                ([broken], self.at(projection, 3, "L3", 1, partition=1)),
            ])  # fmt: skip
        assert await self.lists(store) == [{"list_id": "L1", "title": "kept", "size": 0}]
        assert await store.positions(projection) == {(TOPIC, 0): 1}
        assert (
            await store.aggregate_version(projection, "L1"),
            await store.aggregate_version(projection, "L2"),
        ) == (1, 0)
        assert await store.apply([([changed], self.at(projection, 1))]) == 1  # and the store still works

    async def test_redelivered_offsets_change_nothing_but_positions_move_on(
        self, store: ReadStore, projection: str
    ) -> None:
        def title(offset: int, text: str) -> Entry:
            op = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": text, "size": offset})
            return [op], self.at(projection, offset)

        assert await store.apply([title(0, "a"), title(1, "b"), title(2, "c")]) == 3
        assert await store.apply([title(1, "again"), title(2, "again"), title(3, "d")]) == 1
        assert await self.lists(store) == [{"list_id": "L1", "title": "d", "size": 3}]
        assert await store.positions(projection) == {(TOPIC, 0): 4}

    async def test_stale_aggregate_versions_are_skipped_and_positions_advance(
        self, store: ReadStore, projection: str
    ) -> None:
        def title(offset: int, version: int, text: str) -> Entry:
            op = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": text, "size": version})
            return [op], self.at(projection, offset, "L1", version)

        assert await store.apply([title(5, 2, "v2")]) == 1
        assert await store.apply([title(6, 2, "duplicate"), title(7, 1, "older")]) == 0
        assert await store.apply([title(8, 3, "v3"), title(9, 3, "duplicate")]) == 1
        assert await self.lists(store) == [{"list_id": "L1", "title": "v3", "size": 3}]
        assert await store.positions(projection) == {(TOPIC, 0): 10}
        assert await store.aggregate_version(projection, "L1") == 3

    async def test_records_without_effect_only_advance_positions(self, store: ReadStore, projection: str) -> None:
        assert (
            await store.apply([([], self.at(projection, 0, None)), ([], self.at(projection, 4, None, partition=2))])
            == 0
        )
        assert await store.positions(projection) == {(TOPIC, 0): 1, (TOPIC, 2): 5}
        assert await store.apply([]) == 0

    async def test_positions_and_versions_are_per_projection(self, store: ReadStore, projection: str) -> None:
        other = f"{projection}-other"
        await store.apply([([], self.at(projection, 3, "L1", 7))])
        assert await store.positions(other) == {}
        assert await store.aggregate_version(other, "L1") == 0
        assert await store.aggregate_version(projection, "L1") == 7
        assert await store.aggregate_version(projection, "nobody") == 0

    async def test_reset_empties_tables_and_bookkeeping(self, store: ReadStore, projection: str) -> None:
        other = f"{projection}-other"
        op = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "a", "size": 0})
        await store.apply([([op], self.at(projection, 0))])
        await store.apply([([], self.at(other, 0))])
        await store.reset(projection, TABLES)
        assert await self.lists(store) == []
        assert await store.positions(projection) == {}
        assert await store.aggregate_version(projection, "L1") == 0
        assert await store.positions(other) == {(TOPIC, 0): 1}

    async def test_ranks_sort_byte_wise(self, store: ReadStore, projection: str) -> None:
        keys = ranks()
        second = {k[1] for k in keys}
        assert all(second & set(digits) for digits in (DIGITS[:10], DIGITS[10:36], DIGITS[36:]))
        shuffled = random.Random(5).sample(keys, len(keys))
        ops: list[RowOp] = [
            Upsert(table="contract_items", key={"list_id": "L1", "item_id": f"i{i}"}, values={"rank": k})
            for i, k in enumerate(shuffled)
        ]
        await store.apply([(ops, self.at(projection, 0))])
        rows = await store.fetch_all("SELECT rank FROM contract_items WHERE list_id = :id ORDER BY rank", {"id": "L1"})
        assert [r["rank"] for r in rows] == sorted(keys, key=str.encode)

    async def test_fetch_all_binds_named_parameters_and_keeps_literals(self, store: ReadStore, projection: str) -> None:
        ops: list[RowOp] = [
            Upsert(table="contract_lists", key={"list_id": f"L{i}"}, values={"title": t, "size": i})
            for i, t in enumerate(["50% off", "half", "100%"])
        ]
        await store.apply([(ops, self.at(projection, 0))])
        rows = await store.fetch_all(
            "SELECT list_id FROM contract_lists WHERE title LIKE '%\\%%' ESCAPE '\\' AND size >= :min ORDER BY size",
            {"min": 0},
        )
        assert [r["list_id"] for r in rows] == ["L0", "L2"]
        pattern = await store.fetch_all("SELECT list_id FROM contract_lists WHERE title LIKE :p", {"p": "ha%"})
        assert pattern == [{"list_id": "L1"}]

    @staticmethod
    def title(projection: str, offset: int, text: str, *, partition: int = 0, list_id: str = "L1") -> Entry:
        """An entry setting list ``list_id``'s title at ``offset`` (one version per offset)."""
        op = Upsert(table="contract_lists", key={"list_id": list_id}, values={"title": text, "size": offset})
        checkpoint = Checkpoint(
            projection=projection, topic=TOPIC, partition=partition, offset=offset,
            aggregate_id=list_id, aggregate_version=offset + 1,
        )  # fmt: skip
        return [op], checkpoint

    async def test_rebuild_replaces_rows_and_bookkeeping_like_applying_from_empty(
        self, store: ReadStore, projection: str
    ) -> None:
        batches = [
            [self.title(projection, 0, "a"), self.title(projection, 1, "b"),
             self.title(projection, 5, "x", partition=1)],
            [self.title(projection, 2, "c"), ([], self.at(projection, 3, None))],
            [self.title(projection, 6, "y", partition=1, list_id="L2")],
        ]  # fmt: skip
        for batch in batches:
            await store.apply(batch)
        applied = await self.lists(store), await store.positions(projection)
        versions = [await store.aggregate_version(projection, a) for a in ("L1", "L2")]
        stale = Upsert(table="contract_lists", key={"list_id": "gone"}, values={"title": "old", "size": 0})
        await store.apply([([stale], self.at(projection, 4, "gone", 1))])

        async def replay() -> AsyncIterator[list[Entry]]:
            for batch in batches:
                yield batch

        # 4: L1 at offset 2 carries version 3, older than the version 6 partition 1 applied before it
        assert await store.rebuild(projection, TABLES, replay()) == 4
        assert (await self.lists(store), await store.positions(projection)) == applied
        assert [await store.aggregate_version(projection, a) for a in ("L1", "L2")] == versions

    async def test_readers_see_the_old_read_model_until_the_rebuild_commits(
        self, store: ReadStore, projection: str
    ) -> None:
        await store.apply([self.title(projection, 0, "old")])
        during: list[list[str]] = []

        async def replay() -> AsyncIterator[list[Entry]]:
            yield [self.title(projection, 0, "new 0")]
            yield [self.title(projection, 1, "new 1")]
            during.append(await self.titles_elsewhere())  # batch 0 is written by now

        await store.rebuild(projection, TABLES, replay())
        assert during == [["old"]]
        assert await self.titles_elsewhere() == ["new 1"]

    async def test_a_failed_rebuild_leaves_the_old_read_model(self, store: ReadStore, projection: str) -> None:
        await store.apply([self.title(projection, 0, "old"), self.title(projection, 1, "old 1")])

        async def broken() -> AsyncIterator[list[Entry]]:
            yield [self.title(projection, 0, "new")]
            raise RuntimeError("the log went away")

        async def with_a_hole() -> AsyncIterator[list[Entry]]:
            yield [self.title(projection, 0, "new")]
            yield [self.title(projection, 2, "past a hole")]

        with pytest.raises(RuntimeError, match="the log went away"):
            await store.rebuild(projection, TABLES, broken())
        with pytest.raises(PositionGap):
            await store.rebuild(projection, TABLES, with_a_hole())
        assert await self.titles_elsewhere() == ["old 1"]
        assert await store.positions(projection) == {(TOPIC, 0): 2}
        assert await store.aggregate_version(projection, "L1") == 2
        assert await store.apply([self.title(projection, 2, "still works")]) == 1

    async def test_a_rebuild_of_long_runs_of_upserts_keeps_the_last_value_of_each_row(
        self, store: ReadStore, projection: str
    ) -> None:
        def item(offset: int) -> Entry:
            key = {"list_id": "L1", "item_id": f"i{offset % 40}"}  # each item upserted 2 or 3 times
            return [Upsert(table="contract_items", key=key, values={"rank": f"a{offset}"})], self.at(
                projection, offset, f"A{offset}", 1
            )

        def tag(offset: int) -> Entry:  # an upsert without values: DO NOTHING on a repeat
            op = Upsert(table="contract_tags", key={"list_id": "L1", "tag": f"t{offset % 20}"})
            return [op], self.at(projection, offset, f"A{offset}", 1)

        entries = [item(offset) for offset in range(100)] + [tag(offset) for offset in range(100, 140)]
        await store.apply(entries)
        applied = await store.fetch_all("SELECT * FROM contract_items ORDER BY item_id", {})
        tags = await store.fetch_all("SELECT * FROM contract_tags ORDER BY tag", {})
        assert {r["rank"] for r in applied if r["item_id"] == "i5"} == {"a85"}

        async def replay() -> AsyncIterator[list[Entry]]:
            yield entries[:60]
            yield entries[60:]

        assert await store.rebuild(projection, TABLES, replay()) == 140
        assert await store.fetch_all("SELECT * FROM contract_items ORDER BY item_id", {}) == applied
        assert await store.fetch_all("SELECT * FROM contract_tags ORDER BY tag", {}) == tags

    # --- watch: a read-your-writes waiter is woken by the commit of its aggregate's row ---

    async def test_a_commit_wakes_the_waiters_of_its_aggregates_only(self, store: ReadStore, projection: str) -> None:
        await announcing(store, projection)
        title = Upsert(table="contract_lists", key={"list_id": "L1"}, values={"title": "a", "size": 0})
        with (
            store.watch(projection, "L1") as mine,
            store.watch(projection, "L2") as others,
            store.watch(projection, "L3") as later,
        ):
            assert mine is not None
            assert others is not None
            assert later is not None
            assert not mine.is_set()
            await store.apply([([title], self.at(projection, 0, "L1", 1))])
            await store.apply([([], self.at(projection, 1, "L3", 1))])  # announced after L1's
            async with asyncio.timeout(10):
                await later.wait()
            assert mine.is_set()
            assert not others.is_set()

    async def test_a_rebuild_wakes_every_waiter_of_its_projection(self, store: ReadStore, projection: str) -> None:
        await announcing(store, projection)

        async def replay() -> AsyncIterator[list[Entry]]:
            yield [([], self.at(projection, 0, "L1", 1))]

        with store.watch(projection, "L9") as waiter, store.watch(f"{projection}-other", "L9") as elsewhere:
            assert waiter is not None
            assert elsewhere is not None
            await store.rebuild(projection, TABLES, replay())
            async with asyncio.timeout(10):
                await waiter.wait()
            assert not elsewhere.is_set()


async def announcing(store: ReadStore, projection: str) -> None:
    """Wait until ``store`` announces commits (PostgreSQL starts listening on the first ``watch``)."""
    for _ in range(500):
        with store.watch(projection, "probe") as committed:
            if committed is not None:
                return
        await asyncio.sleep(0.02)
    raise AssertionError("the store never announced commits")
