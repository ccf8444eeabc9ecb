"""The rebuild's pure pieces: offsets a complete read passed over, and writes overlapped with decoding."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from processors.projector import Entry
from processors.rebuild import with_passed_offsets
from tuneton.adapters.sql.overlap import overlapped
from tuneton.ports import Checkpoint, LogRecord


def _record(offset: int, partition: int = 0) -> LogRecord:
    return LogRecord(topic="t", partition=partition, offset=offset, key=None, value=b"", timestamp_ms=0)


def _checkpoint(topic: str, partition: int, offset: int) -> Checkpoint:
    return Checkpoint(projection="p", topic=topic, partition=partition, offset=offset)


def _entry(record: LogRecord) -> Entry:
    return ([], Checkpoint(projection="p", topic=record.topic, partition=record.partition, offset=record.offset,
                           aggregate_id="a", aggregate_version=record.offset + 1))  # fmt: skip


def test_offsets_between_records_become_seen_entries_across_batches() -> None:
    expected: dict[tuple[str, int], int] = {}
    first = [_record(3), _record(4), _record(6, partition=1), _record(7)]  # 5 and 6 of partition 0: markers
    second = [_record(9), _record(7, partition=1)]  # 8 of partition 0 too, between the batches
    out = with_passed_offsets(first, [_entry(r) for r in first], expected, _checkpoint)
    out += with_passed_offsets(second, [_entry(r) for r in second], expected, _checkpoint)
    assert [(c.partition, c.offset, c.aggregate_id) for _, c in out] == [
        (0, 3, "a"), (0, 4, "a"), (1, 6, "a"), (0, 5, None), (0, 6, None), (0, 7, "a"),
        (0, 8, None), (0, 9, "a"), (1, 7, "a"),
    ]  # fmt: skip
    assert expected == {("t", 0): 10, ("t", 1): 8}


def test_the_first_record_of_a_partition_may_start_anywhere() -> None:
    records = [_record(40)]
    assert with_passed_offsets(records, [_entry(records[0])], {}, _checkpoint) == [_entry(records[0])]


async def _produce(log: list[str], count: int) -> AsyncIterator[int]:
    for n in range(count):
        log.append(f"made {n}")
        yield n
        await asyncio.sleep(0)


async def test_the_next_batch_is_made_while_the_previous_one_is_written_and_writes_stay_in_order() -> None:
    log: list[str] = []

    async def write(n: int) -> int:
        log.append(f"write {n} starts")
        await asyncio.sleep(0.01)
        log.append(f"write {n} ends")
        return n + 1

    assert await overlapped(_produce(log, 3), write) == 1 + 2 + 3
    assert log.index("made 1") < log.index("write 0 ends")  # overlap
    assert [line for line in log if line.startswith("write")] == [
        "write 0 starts", "write 0 ends", "write 1 starts", "write 1 ends", "write 2 starts", "write 2 ends",
    ]  # fmt: skip


async def test_a_failing_batch_source_waits_for_the_write_in_flight_before_raising() -> None:
    finished: list[int] = []

    async def batches() -> AsyncIterator[int]:
        yield 0
        raise RuntimeError("decode broke")

    async def write(n: int) -> int:
        await asyncio.sleep(0.01)
        finished.append(n)
        return 1

    with pytest.raises(RuntimeError, match="decode broke"):
        await overlapped(batches(), write)
    assert finished == [0]


async def test_a_failing_write_stops_the_rebuild() -> None:
    async def write(n: int) -> int:
        if n == 1:
            raise ValueError("bad row")
        return 1

    with pytest.raises(ValueError, match="bad row"):
        await overlapped(_produce([], 5), write)
