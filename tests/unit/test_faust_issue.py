"""The Faust decider hands a batch's records to the producer without yielding between them.

aiokafka's sender wakes with the first record of a call; if the event loop runs before the next
record is handed over, the first goes out alone and the rest wait for the broker's answer. Through
``Topic.send`` (a mode ``stampede`` that yields per record) a batch's events and its outcome took two
produce requests in a row (BENCHMARKS.md, twentieth session).
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from processors.faust_app import issue_records
from tuneton.ports import OutgoingRecord


class _Loop:
    """Counts the event loop's turns while it runs."""

    def __init__(self) -> None:
        self.turns = 0

    async def run(self) -> None:
        while True:
            self.turns += 1
            await asyncio.sleep(0)


class _Producer:
    """Records each send and the loop's turn it came in; the deliveries resolve when told."""

    def __init__(self, loop: _Loop) -> None:
        self._loop = loop
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]], int]] = []
        self.deliveries: list[asyncio.Future[str]] = []

    async def send(self, topic: str, key: bytes, value: bytes, partition: Any, timestamp: Any, headers: Any) -> Any:
        assert partition is None  # placed by the partitioner
        assert timestamp is None  # stamped by the client
        self.sent.append((topic, key, value, headers, self._loop.turns))
        self.deliveries.append(asyncio.get_running_loop().create_future())
        return self.deliveries[-1]


class _App:
    """What ``issue_records`` uses of a Faust app: its producer, started on demand (yielding, as Faust's does)."""

    def __init__(self, producer: _Producer) -> None:
        self._producer = producer

    async def maybe_start_producer(self) -> _Producer:
        await asyncio.sleep(0)
        return self._producer


def _records() -> list[OutgoingRecord]:
    return [
        OutgoingRecord(topic="tuneton.playlist.events", key=b"p1", value=b"e1", headers=(("event_type", b"A"),)),
        OutgoingRecord(topic="tuneton.playlist.events", key=b"p1", value=b"e2", headers=(("event_type", b"B"),)),
        OutgoingRecord(topic="tuneton.command.outcomes", key=b"c1", value=b"o1"),
    ]


async def test_every_record_of_a_call_is_handed_over_in_one_turn_of_the_loop_in_order() -> None:
    loop = _Loop()
    turning = asyncio.create_task(loop.run())
    producer = _Producer(loop)
    try:
        await asyncio.sleep(0)
        deliveries = await issue_records(_app(producer), _records())
    finally:
        turning.cancel()
    assert [(topic, key, value, headers) for topic, key, value, headers, _ in producer.sent] == [
        ("tuneton.playlist.events", b"p1", b"e1", [("event_type", b"A")]),
        ("tuneton.playlist.events", b"p1", b"e2", [("event_type", b"B")]),
        ("tuneton.command.outcomes", b"c1", b"o1", []),
    ]
    assert len({turn for *_, turn in producer.sent}) == 1, "the loop ran between two records of one call"
    assert deliveries == producer.deliveries  # the caller awaits the client's own futures


def _app(producer: _Producer) -> faust.App:
    return _App(producer)  # type: ignore[return-value]  # the part of faust.App issue_records uses
