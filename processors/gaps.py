"""Read the records a projector's batch skipped, straight from the log (see ``tuneton.ports.PositionGap``).

The read store keeps each projection's position with its rows, so it notices when a consumer hands a
projector records from past that position. Rather than trust a consumer group's offsets, the projector
fetches the hole itself with a group-less subscription (no group's offsets move) and applies it first.
Offsets the log does not return inside the range (a transaction marker, a deleted segment) are holes
in the log itself, not in what the projector saw: the caller records them as seen.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from tuneton.ports import EventLog, LogRecord

MAX_FILL = 2_000  # records read per hole and attempt: a far-behind position is caught up in bounded steps
Fill = Callable[[str, int, int, int], Awaitable[list[LogRecord]]]


class RangeUnavailable(Exception):
    """The log did not deliver the whole range in time (the caller retries with backoff)."""


def reader(log: EventLog, *, wait_s: float = 30.0) -> Fill:
    """A ``Fill`` over ``log``: ``fill(topic, partition, start, stop)`` reads ``start <= offset < stop``."""

    async def fill(topic: str, partition: int, start: int, stop: int) -> list[LogRecord]:
        return await read_range(log, topic, partition, start, stop, wait_s=wait_s)

    return fill


async def read_range(
    log: EventLog, topic: str, partition: int, start: int, stop: int, *, wait_s: float = 30.0
) -> list[LogRecord]:
    """Every record of ``topic``/``partition`` from ``start`` up to ``stop`` (exclusive; at most ``MAX_FILL``)."""
    stop = min(stop, start + MAX_FILL)
    subscription = await log.subscribe([topic], group=None, from_beginning=False)
    try:
        await subscription.seek(topic, partition, start)
        found: list[LogRecord] = []
        passed = False
        deadline = time.monotonic() + wait_s
        while not passed and (await subscription.positions()).get((topic, partition), stop) < stop:
            if time.monotonic() > deadline:
                raise RangeUnavailable(f"{topic}[{partition}] {start}..{stop} not read within {wait_s}s")
            for record in await subscription.poll(max_records=500, wait_s=0.5):
                if (record.topic, record.partition) != (topic, partition):
                    continue
                passed = passed or record.offset >= stop - 1
                if start <= record.offset < stop:
                    found.append(record)
        return found
    finally:
        await subscription.close()
