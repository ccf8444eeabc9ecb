"""The decider's changelog wait with several batches in flight: resend a failed snapshot only while it is the newest.

A failed changelog record sent again after a newer snapshot of the same key would overwrite it in the
compacted changelog. The older batch waits for the newer record instead (it holds the state, and in
its outbox the older batch's events).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import faust
import pytest
from aiokafka.errors import KafkaTimeoutError
from faust.types import TP

from processors import acknowledged_table
from processors.acknowledged_table import AcknowledgedTable, hand_over


class _Producer:
    """Faust's producer as the table uses it: each record's delivery is a future the test settles."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes, bytes, int | None]] = []
        self.deliveries: list[asyncio.Future[Any]] = []
        self.refusal: Exception | None = None

    async def send(self, topic: str, key: bytes, value: bytes, partition: int | None, *args: Any) -> Any:
        if self.refusal is not None:
            raise self.refusal
        self.sent.append((key, value, partition))
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]


@pytest.fixture
def producer(monkeypatch: pytest.MonkeyPatch) -> _Producer:
    monkeypatch.setattr(acknowledged_table, "RESEND_DELAY_S", 0.0)
    return _Producer()


@pytest.fixture
def table(producer: _Producer, monkeypatch: pytest.MonkeyPatch) -> AcknowledgedTable:
    app = faust.App("acknowledged-table-test", broker="kafka://127.0.0.1:1", store="memory://")

    async def started() -> _Producer:
        await asyncio.sleep(0)  # Faust's yields too
        return producer

    monkeypatch.setattr(app, "maybe_start_producer", started)
    return AcknowledgedTable(app, name="snapshots", key_type=bytes, value_type=bytes)


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def _delivered(offset: int) -> Any:
    """What aiokafka answers for a record (Faust's changelog callback reads the partition and offset)."""
    return SimpleNamespace(topic_partition=TP("snapshots-changelog", 0), offset=offset)


def _deliver_all(producer: _Producer) -> None:
    for offset, delivery in enumerate(producer.deliveries):
        if not delivery.done():
            delivery.set_result(_delivered(offset))


async def test_a_batchs_records_are_handed_over_in_order_in_one_turn_of_the_loop(
    table: AcknowledgedTable, producer: _Producer
) -> None:
    turns = 0

    async def turning() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    table.send_changelog(0, b"a", b"v1")
    table.send_changelog(1, b"b", b"v1")
    assert producer.sent == [], "built, not yet handed over"
    counting = asyncio.create_task(turning())
    seen: list[int] = []
    send = producer.send

    async def noting(*args: Any) -> Any:
        seen.append(turns)
        return await send(*args)

    producer.send = noting  # type: ignore[method-assign]
    try:
        await asyncio.sleep(0)
        await hand_over(table.app, [table])
    finally:
        counting.cancel()
    assert producer.sent == [(b"a", b"v1", 0), (b"b", b"v1", 1)]
    assert len(set(seen)) == 1, "the loop ran between two records: aiokafka would send the first alone"
    _deliver_all(producer)
    await asyncio.wait_for(table.acknowledged(), 5)


async def test_each_batch_awaits_its_own_records_and_a_failed_newest_one_is_sent_again(
    table: AcknowledgedTable, producer: _Producer
) -> None:
    table.send_changelog(0, b"a", b"v1")
    first = table.take_sent()
    table.send_changelog(0, b"b", b"v1")
    second = table.take_sent()
    await hand_over(table.app, [table])
    assert [f.message.key for f in first] == [b"a"]
    assert [f.message.key for f in second] == [b"b"]
    waiting = asyncio.create_task(table.acknowledged(first))
    producer.deliveries[0].set_exception(ConnectionError("broker gone"))
    await _settle()
    assert producer.sent[2] == (b"a", b"v1", 0), "a's record went out again"
    assert table.take_sent() == [], "the resend is the first batch's to await, not the next one's"
    assert not waiting.done()
    producer.deliveries[2].set_result(_delivered(2))
    await asyncio.wait_for(waiting, 5)


async def test_a_failed_snapshot_superseded_by_a_newer_one_is_not_sent_again(
    table: AcknowledgedTable, producer: _Producer
) -> None:
    table.send_changelog(0, b"a", b"version 1")
    first = table.take_sent()
    table.send_changelog(0, b"a", b"version 2")  # the next batch, in flight
    await hand_over(table.app, [table])
    waiting = asyncio.create_task(table.acknowledged(first))
    producer.deliveries[0].set_exception(ConnectionError("broker gone"))
    await _settle()
    assert [value for _, value, _ in producer.sent] == [b"version 1", b"version 2"], "1 must not overwrite 2"
    assert not waiting.done(), "batch 1 waits until a snapshot at least as new as its own is durable"
    producer.deliveries[1].set_result(_delivered(1))
    await asyncio.wait_for(waiting, 5)


async def test_without_arguments_it_awaits_everything_sent_so_far(
    table: AcknowledgedTable, producer: _Producer
) -> None:
    for partition, key in enumerate((b"a", b"b")):
        table.send_changelog(partition, key, b"v")
    await hand_over(table.app, [table])
    waiting = asyncio.create_task(table.acknowledged())
    producer.deliveries[0].set_result(_delivered(0))
    await _settle()
    assert not waiting.done()
    producer.deliveries[1].set_result(_delivered(1))
    await asyncio.wait_for(waiting, 5)


async def test_records_the_producer_refuses_fail_and_are_sent_again(
    table: AcknowledgedTable, producer: _Producer
) -> None:
    table.send_changelog(0, b"a", b"v1")
    table.send_changelog(1, b"b", b"v1")
    producer.refusal = KafkaTimeoutError()  # aiokafka's buffer full: nothing handed over
    await hand_over(table.app, [table])  # does not raise: the records fail instead
    waiting = asyncio.create_task(table.acknowledged())
    producer.refusal = None
    await _settle()
    assert producer.sent == [(b"a", b"v1", 0), (b"b", b"v1", 1)], "both went out again"
    assert not waiting.done()
    _deliver_all(producer)
    await asyncio.wait_for(waiting, 5)
