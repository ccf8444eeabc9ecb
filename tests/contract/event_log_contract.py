"""The EventLog contract: what the processors and the command bus rely on, for every adapter.

Subclasses provide the ``log`` fixture (started, closed after the test) and ``failing_record``, a
record that makes that adapter fail *after* earlier records of the same transaction were handed over.
Topic names carry a uuid so tests never see each other's data on a shared broker.
"""

from __future__ import annotations

import abc
import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from tuneton.adapters.embedded.murmur2 import partition_for
from tuneton.ports import EventLog, LogRecord, OutgoingRecord, Subscription

FailingRecord = Callable[[str], tuple[OutgoingRecord, type[BaseException]]]

KEYS = [f"playlist-{i}".encode() for i in range(40)] + [b"", b"a", b"\x00\xff", "ключ".encode()]


CREATED_TOPICS: list[str] = []  # every name new_topic made in this process, so a fixture can delete them


async def new_topic(log: EventLog, partitions: int = 1) -> str:
    """Create a uniquely named topic."""
    name = f"contract.{uuid.uuid4().hex[:12]}"
    CREATED_TOPICS.append(name)
    await log.ensure_topics({name: partitions})
    return name


def record(topic: str, key: bytes | None, value: bytes | None = b"v", **kw: object) -> OutgoingRecord:
    """Shorthand for an OutgoingRecord."""
    return OutgoingRecord(topic=topic, key=key, value=value, **kw)  # type: ignore[arg-type]


async def read(sub: Subscription, count: int, *, timeout_s: float = 15.0) -> list[LogRecord]:
    """Poll until ``count`` records arrived (more is a failure the caller sees) or the timeout passes."""
    records: list[LogRecord] = []
    deadline = time.monotonic() + timeout_s
    while len(records) < count and time.monotonic() < deadline:
        records += await sub.poll(max_records=500, wait_s=0.2)
    return records


async def read_quiet(sub: Subscription, *, quiet_s: float = 1.0) -> list[LogRecord]:
    """Everything that arrives until nothing has come for ``quiet_s`` seconds."""
    records: list[LogRecord] = []
    while batch := await sub.poll(max_records=500, wait_s=quiet_s):
        records += batch
    return records


async def first_offset(log: EventLog, topic: str, group: str) -> int | None:
    """Offset of the first record a fresh member of ``group`` reads (None: nothing to read)."""
    sub = await log.subscribe([topic], group=group, from_beginning=True)
    try:
        records = await read(sub, 1, timeout_s=3.0)
    finally:
        await sub.close()
    return records[0].offset if records else None


class EventLogContract(abc.ABC):
    """Inherit and implement ``log`` and ``failing_record`` to run the suite against an adapter."""

    @pytest.fixture
    @abc.abstractmethod
    async def log(self) -> AsyncIterator[EventLog]:
        """A started log; closed after the test."""
        yield  # type: ignore[misc]

    @pytest.fixture
    @abc.abstractmethod
    def failing_record(self) -> FailingRecord:
        """Given the sink topic, a record this adapter refuses mid-transaction and the error it raises."""

    async def test_ensure_topics_is_idempotent_and_keeps_partition_count(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=3)
        await log.ensure_topics({topic: 3})
        await log.ensure_topics({topic: 5})
        assert await log.end_offsets(topic) == {0: 0, 1: 0, 2: 0}

    async def test_subscribing_to_an_unknown_topic_is_a_lookup_error(self, log: EventLog) -> None:
        with pytest.raises(LookupError):
            await log.subscribe([f"missing.{uuid.uuid4().hex}"], group=None)

    async def test_offsets_increase_per_partition_and_a_key_sticks_to_one_partition(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=6)
        keys = KEYS[:10] * 3
        appended = await log.append([record(topic, k, str(i).encode()) for i, k in enumerate(keys)])
        assert [a.topic for a in appended] == [topic] * len(keys)
        by_key: dict[bytes, set[int]] = {}
        by_partition: dict[int, list[int]] = {}
        for key, a in zip(keys, appended, strict=True):
            by_key.setdefault(key, set()).add(a.partition)
            by_partition.setdefault(a.partition, []).append(a.offset)
        assert all(len(p) == 1 for p in by_key.values())
        assert all(offsets == list(range(len(offsets))) for offsets in by_partition.values())

    async def test_partition_is_the_one_kafkas_murmur2_partitioner_picks(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=6)
        appended = await log.append([record(topic, k) for k in KEYS])
        assert [a.partition for a in appended] == [partition_for(k, 6) for k in KEYS]

    async def test_headers_keys_and_tombstones_round_trip(self, log: EventLog) -> None:
        topic = await new_topic(log)
        headers = (("content-type", b"avro"), ("trace", b""), ("trace", b"\x00\x01"))
        sent = [
            record(topic, b"k", b"value", headers=headers),
            record(topic, b"k", None),
            record(topic, None, b"keyless"),
        ]
        await log.append(sent)
        sub = await log.subscribe([topic], group=None)
        got = await read(sub, 3)
        await sub.close()
        assert [(r.key, r.value, r.headers) for r in got] == [(s.key, s.value, s.headers) for s in sent]
        assert [r.offset for r in got] == [0, 1, 2]
        assert all(abs(r.timestamp_ms - time.time() * 1000) < 60_000 for r in got)

    async def test_subscribe_without_group_from_beginning_reads_everything_in_order(self, log: EventLog) -> None:
        topic = await new_topic(log)
        await log.append([record(topic, b"k", str(i).encode()) for i in range(5)])
        sub = await log.subscribe([topic], group=None, from_beginning=True)
        got = await read(sub, 5)
        await sub.close()
        assert [r.value for r in got] == [str(i).encode() for i in range(5)]

    async def test_subscribe_from_end_never_misses_a_record_appended_after_it_returns(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=3)
        await log.append([record(topic, k) for k in KEYS[:6]])
        sub = await log.subscribe([topic], group=None, from_beginning=False)
        await log.append([record(topic, b"after", b"new")])  # no pause: the bus does exactly this
        got = await read(sub, 1)
        got += await read_quiet(sub, quiet_s=0.5)
        await sub.close()
        assert [(r.key, r.value) for r in got] == [(b"after", b"new")]

    async def test_a_group_resumes_after_its_commit(self, log: EventLog) -> None:
        topic, group = await new_topic(log), f"g-{uuid.uuid4().hex}"
        await log.append([record(topic, b"k", str(i).encode()) for i in range(5)])
        sub = await log.subscribe([topic], group=group)
        got = await read(sub, 5)
        await sub.commit([got[2].next_position])
        await sub.close()
        assert await first_offset(log, topic, group) == 3

    async def test_a_group_without_commits_starts_at_the_end_when_asked(self, log: EventLog) -> None:
        topic, group = await new_topic(log), f"g-{uuid.uuid4().hex}"
        await log.append([record(topic, b"k", b"old")])
        sub = await log.subscribe([topic], group=group, from_beginning=False)
        await log.append([record(topic, b"k", b"new")])
        got = await read(sub, 1)
        await sub.close()
        assert [r.value for r in got] == [b"new"]

    async def test_commit_without_group_is_a_no_op(self, log: EventLog) -> None:
        topic = await new_topic(log)
        sub = await log.subscribe([topic], group=None)
        await sub.commit([(topic, 0, 1)])
        await sub.close()

    async def test_seek_moves_the_fetch_position(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=2)
        one_key_each = [next(k for k in KEYS if partition_for(k, 2) == p) for p in (0, 1)]
        await log.append([record(topic, k, str(i).encode()) for i in range(3) for k in one_key_each])
        sub = await log.subscribe([topic], group=None)
        first = await read(sub, 6)
        await sub.seek(topic, 1, 1)
        again = await read_quiet(sub)
        await sub.close()
        assert len(first) == 6
        assert [(r.partition, r.offset, r.value) for r in again] == [(1, 1, b"1"), (1, 2, b"2")]

    async def test_end_offsets_count_appended_records(self, log: EventLog) -> None:
        topic = await new_topic(log, partitions=6)
        appended = await log.append([record(topic, k) for k in KEYS])
        expected = dict.fromkeys(range(6), 0)
        for a in appended:
            expected[a.partition] += 1
        assert await log.end_offsets(topic) == expected

    async def test_transact_commits_records_and_offsets_together(self, log: EventLog) -> None:
        source, sink, group = await new_topic(log), await new_topic(log, 3), f"g-{uuid.uuid4().hex}"
        await log.append([record(source, b"k", str(i).encode()) for i in range(3)])
        out = [record(sink, k, b"out") for k in KEYS[:4]]
        appended = await log.transact(out, group=group, positions=[(source, 0, 2)])
        assert [a.partition for a in appended] == [partition_for(k, 3) for k in KEYS[:4]]
        sub = await log.subscribe([sink], group=None)
        got = await read(sub, 4)
        await sub.close()
        assert sorted(r.key or b"" for r in got) == sorted(k for k in KEYS[:4])
        assert await _eventually(lambda: first_offset(log, source, group), 2) == 2

    async def test_transact_commits_for_a_group_with_a_live_member(self, log: EventLog) -> None:
        """The decider's loop: read as a group member, then commit through the transaction."""
        source, sink, group = await new_topic(log), await new_topic(log), f"g-{uuid.uuid4().hex}"
        await log.append([record(source, b"k", str(i).encode()) for i in range(3)])
        sub = await log.subscribe([source], group=group)
        got = await read(sub, 3)
        await log.transact([record(sink, b"k", b"out")], group=group, positions=[got[1].next_position])
        await sub.close()
        assert await _eventually(lambda: first_offset(log, source, group), 2) == 2

    async def test_transact_with_offsets_only(self, log: EventLog) -> None:
        source, group = await new_topic(log), f"g-{uuid.uuid4().hex}"
        await log.append([record(source, b"k", str(i).encode()) for i in range(3)])
        assert await log.transact([], group=group, positions=[(source, 0, 1)]) == []
        assert await _eventually(lambda: first_offset(log, source, group), 1) == 1

    async def test_a_failed_transaction_leaves_nothing_visible(
        self, log: EventLog, failing_record: FailingRecord
    ) -> None:
        source, sink, group = await new_topic(log), await new_topic(log), f"g-{uuid.uuid4().hex}"
        bad, error = failing_record(sink)
        await log.append([record(source, b"k", b"in")])
        with pytest.raises(error):
            await log.transact(
                [record(sink, b"k", b"lost-1"), record(sink, b"k", b"lost-2"), bad],
                group=group,
                positions=[(source, 0, 1)],
            )
        sentinel = (await log.append([record(sink, b"k", b"sentinel")]))[0]
        sub = await log.subscribe([sink], group=None)
        got = await read(sub, 1)
        got += await read_quiet(sub, quiet_s=0.5)
        await sub.close()
        assert [r.value for r in got] == [b"sentinel"]
        assert got[0].offset == sentinel.offset
        assert await first_offset(log, source, group) == 0


async def _eventually(
    probe: Callable[[], Awaitable[int | None]], expected: int, *, timeout_s: float = 10.0
) -> int | None:
    """Re-run ``probe`` until it returns ``expected``.

    Kafka applies transactionally committed offsets when the commit marker reaches
    ``__consumer_offsets``, a few milliseconds after ``commit_transaction`` returns (docs/kafka.md).
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value == expected or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.05)
