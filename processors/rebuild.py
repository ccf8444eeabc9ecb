"""Rebuild a read model from the log: replay its topics from the beginning into a fresh copy.

The read store empties the projection and applies the replay in ONE transaction
(``ReadStore.rebuild``): until it commits, readers see the old read model, and a crash or an error
leaves the old one in place (rerun the command). The rows come from the same projector step as live
projection (decode, project, dead-letter poison); only the store's transaction differs.

Run it with the projection's live projector stopped (the read store's checkpoints make a concurrent
projector skip, not corrupt, but its progress would race the replay's).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing

from processors.embedded import ProjectorRunner, SearchRunner
from processors.projector import Entry
from projections.registry import Projection
from tuneton.ports import Checkpoint, EventLog, LogRecord, ReadStore, SearchIndex

Partition = tuple[str, int]
DECODE_SLICE = 200  # records decoded between two turns of the event loop (≈ 10 ms)


async def rebuild(
    event_log: EventLog,
    store: ReadStore,
    runner: ProjectorRunner,
    projection: Projection,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 5000,
) -> tuple[int, float]:
    """Replay every record up to the high-water marks seen at the start; return (records, seconds)."""
    started = time.perf_counter()
    seen = 0

    async def entries() -> AsyncIterator[list[Entry]]:
        nonlocal seen
        expected: dict[Partition, int] = {}
        async with aclosing(_batches(event_log, projection.topics, batch)) as batches:
            async for records in batches:
                prepared = await _prepared(runner, records)
                yield with_passed_offsets(records, prepared, expected, runner.checkpoint_at)
                seen += len(records)
                if progress is not None:
                    progress(seen)

    await store.rebuild(projection.name, projection.tables, entries())
    return seen, time.perf_counter() - started


async def _prepared(runner: ProjectorRunner, records: Sequence[LogRecord]) -> list[Entry]:
    """``runner.entries(records)``, handing the event loop back every ``DECODE_SLICE`` records.

    The store writes the previous batch meanwhile as a series of round trips, each of which can
    only start once the loop runs: decoding a whole batch in one go would leave the database idle
    for all but the first of them, and the replay would run decode and write one after the other.
    """
    entries: list[Entry] = []
    for start in range(0, len(records), DECODE_SLICE):
        entries += await runner.entries(records[start : start + DECODE_SLICE])
        await asyncio.sleep(0)
    return entries


def with_passed_offsets(
    records: Sequence[LogRecord],
    entries: Sequence[Entry],
    expected: dict[Partition, int],
    checkpoint_at: Callable[[str, int, int], Checkpoint],
) -> list[Entry]:
    """``entries`` (one per record, in order) with an empty entry for each offset the read passed over.

    A complete, in-order read of a partition skips only offsets that hold no record for a reader
    (Kafka transaction markers, aborted records). The store accepts a partition's offsets only without
    holes (``PositionGap``), so those offsets are recorded as seen, as the live projector's gap fill
    does. ``expected`` (next offset per partition) carries over from batch to batch and is updated.
    """
    out: list[Entry] = []
    for record, entry in zip(records, entries, strict=True):
        partition = (record.topic, record.partition)
        start = expected.get(partition, record.offset)
        passed = range(start, record.offset)
        out.extend(([], checkpoint_at(record.topic, record.partition, offset)) for offset in passed)
        out.append(entry)
        expected[partition] = record.offset + 1
    return out


async def rebuild_search(
    event_log: EventLog,
    index: SearchIndex,
    runner: SearchRunner,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> tuple[int, float]:
    """Empty the search index and replay the track events into it; return (records, seconds).

    The live search projector may keep running: its writes and the replay's carry the same external
    versions, so whichever comes second is stale.
    """
    started = time.perf_counter()
    await index.reset()
    seen = 0
    async with aclosing(_batches(event_log, runner.topics, batch)) as batches:
        async for records in batches:
            await runner.process(records)
            seen += len(records)
            if progress is not None:
                progress(seen)
    return seen, time.perf_counter() - started


async def _batches(event_log: EventLog, topics: Sequence[str], batch: int) -> AsyncGenerator[list[LogRecord]]:
    """Every record of ``topics`` below the end offsets seen at the start, in batches, in log order."""
    targets = {(t, p): end for t in topics for p, end in (await event_log.end_offsets(t)).items()}
    remaining = {tp for tp, end in targets.items() if end > 0}
    subscription = await event_log.subscribe(list(topics), group=None, from_beginning=True)
    try:
        while remaining:
            records = await subscription.poll(max_records=batch, wait_s=1.0)
            records = [r for r in records if r.offset < targets[(r.topic, r.partition)]]
            if records:
                yield records
            at = await subscription.positions()  # positions pass Kafka transaction markers; offsets don't
            remaining = _unfinished(remaining, at, targets)
            await asyncio.sleep(0)  # let the store's write of the previous batch move on between polls
    finally:
        await subscription.close()


def _unfinished(
    remaining: set[Partition], at: Mapping[Partition, int], targets: Mapping[Partition, int]
) -> set[Partition]:
    return {tp for tp in remaining if at.get(tp, 0) < targets[tp]}
