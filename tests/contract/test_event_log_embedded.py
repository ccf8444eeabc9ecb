"""The EventLog contract on the embedded SQLite log, plus what only it offers (state in the transaction)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.event_log_contract import EventLogContract, FailingRecord, new_topic, read, read_quiet, record
from tuneton.adapters.embedded.log import EmbeddedEventLog, UnknownTopicError
from tuneton.ports import EventLog, LogRecord, OutgoingRecord, PositionTaken, StateWrite


class TestEmbeddedEventLog(EventLogContract):
    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[EventLog]:
        event_log = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
        await event_log.start()
        yield event_log
        await event_log.close()

    @pytest.fixture
    def failing_record(self) -> FailingRecord:
        def make(sink: str) -> tuple[OutgoingRecord, type[BaseException]]:
            return record(f"missing.{uuid.uuid4().hex}", b"k"), UnknownTopicError

        return make

    async def test_state_is_written_in_the_same_transaction(self, log: EmbeddedEventLog) -> None:
        source = await new_topic(log)
        writes = [StateWrite(store="s", key="a", value=b"1"), StateWrite(store="s", key="b", value=b"2")]
        await log.transact([], group="g", positions=[(source, 0, 1)], state=writes)
        with pytest.raises(UnknownTopicError):
            await log.transact(
                [record("missing", b"k")],
                group="g",
                positions=[(source, 0, 5)],
                state=[StateWrite(store="s", key="a", value=None)],
            )
        assert (await log.get_state("s", "a"), await log.get_state("s", "b")) == (b"1", b"2")
        assert await log.committed("g", source) == {0: 1}

    async def test_a_failed_transaction_teaches_no_end(self, log: EmbeddedEventLog) -> None:
        """The ends learnt from a commit are taken only once it committed: a rolled-back append's
        offsets are given out again, and a consumer still reads the record that does land."""
        topic = await new_topic(log)
        with pytest.raises(UnknownTopicError):
            await log.append([record(topic, b"k"), record("missing", b"k")])
        landed = await log.append([record(topic, b"k", b"kept")])
        assert landed[0].offset == 0
        subscription = await log.subscribe([topic], group=None)
        assert [r.value for r in await read(subscription, 1)] == [b"kept"]


@contextlib.asynccontextmanager
async def two_connections(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedEventLog, EmbeddedEventLog]]:
    """Two logs on one file, as two processes would open it."""
    here = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
    there = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
    await here.start()
    await there.start()
    try:
        yield here, there
    finally:
        await here.close()
        await there.close()


def consumed_at(topic: str, partition: int, offset: int, value: bytes) -> LogRecord:
    """A record as a consumer held it in memory before it was in the log."""
    return LogRecord(topic=topic, partition=partition, offset=offset, key=b"k", value=value, timestamp_ms=1234)


async def test_consumed_records_land_first_at_their_own_positions(tmp_path: Path) -> None:
    event_log = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
    await event_log.start()
    try:
        source, sink = await new_topic(event_log), await new_topic(event_log)
        inputs = [consumed_at(source, 0, n, f"in{n}".encode()) for n in range(2)]
        produced = await event_log.transact(
            [record(sink, b"k", b"out")], group="g", positions=[(source, 0, 2)], consumed=inputs
        )
        assert [(a.topic, a.offset) for a in produced] == [(sink, 0)]
        assert event_log.read(source, 0, 0, 10) == inputs  # the same records, timestamps included
        assert await event_log.committed("g", source) == {0: 2}
        subscription = await event_log.subscribe([source], group=None)
        assert [r.value for r in await read(subscription, 2)] == [b"in0", b"in1"]
    finally:
        await event_log.close()


async def test_a_consumed_record_whose_position_another_process_took_writes_nothing(tmp_path: Path) -> None:
    """The consumer read its inputs from memory at what it believed the end; another connection
    appended there first: the whole transaction is refused, outputs, offsets and state included."""
    async with two_connections(tmp_path) as (here, there):
        source, sink = await new_topic(here), await new_topic(here)
        await here.append([record(source, b"k", b"first")])  # ``here`` knows the end: 1
        await there.ensure_topics({source: 1, sink: 1})
        await there.append([record(source, b"k", b"theirs")])  # takes offset 1
        with pytest.raises(PositionTaken):
            await here.transact(
                [record(sink, b"k", b"out")],
                group="g",
                positions=[(source, 0, 2)],
                state=[StateWrite(store="s", key="a", value=b"1")],
                consumed=[consumed_at(source, 0, 1, b"mine")],
            )
        assert [r.value for r in here.read(source, 0, 0, 10)] == [b"first", b"theirs"]
        assert here.read(sink, 0, 0, 10) == []
        assert await here.committed("g", source) == {}
        assert await here.get_state("s", "a") is None
        with pytest.raises(PositionTaken):  # nor past the end: positions stay dense
            await here.transact([], group="g", positions=[(source, 0, 4)], consumed=[consumed_at(source, 0, 3, b"x")])


async def test_two_connections_on_one_file_see_each_others_appends(tmp_path: Path) -> None:
    """Another process's commit (here: another connection) makes every known end stale: offsets stay
    dense and unique, and a consumer skipping partitions it believes read to the end misses nothing."""
    async with two_connections(tmp_path) as (here, there):
        topic = await new_topic(here, partitions=3)
        await there.ensure_topics({topic: 3})
        subscription = await here.subscribe([topic], group=None)
        keys = [f"k{n}".encode() for n in range(12)]
        for round_ in range(3):  # alternate writers; ``here`` reads to the end between rounds
            for n, key in enumerate(keys):
                await (here if (n + round_) % 2 else there).append([record(topic, key, f"{round_}:{n}".encode())])
            got = await read(subscription, len(keys))
            assert sorted(r.value for r in got) == sorted(f"{round_}:{n}".encode() for n in range(len(keys)))
        every = await read_quiet(await there.subscribe([topic], group=None), quiet_s=0.2)
        per_partition: dict[int, list[int]] = {}
        for r in every:
            per_partition.setdefault(r.partition, []).append(r.offset)
        assert sum(map(len, per_partition.values())) == 3 * len(keys)
        assert all(offsets == list(range(len(offsets))) for offsets in per_partition.values())


async def test_a_waiter_for_some_topics_sleeps_through_appends_to_others(tmp_path: Path) -> None:
    event_log = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
    await event_log.start()
    try:
        mine, other = await new_topic(event_log), await new_topic(event_log)
        waiting = asyncio.create_task(event_log.wait_for_append(60, frozenset({mine})))
        await asyncio.sleep(0)
        await event_log.append([record(other, b"k")])
        await asyncio.sleep(0.05)
        assert not waiting.done(), "an append to another topic woke it"
        await event_log.append([record(mine, b"k")])
        await asyncio.wait_for(waiting, 5)
    finally:
        await event_log.close()
