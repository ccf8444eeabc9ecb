"""Rebuild a read model from the log: empty it, then replay its topics from the beginning.

Run it with the projection's live projector stopped (the read store's checkpoints make a concurrent
projector skip, not corrupt, but its progress would race the replay's).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence

from processors.embedded import ProjectorRunner, SearchRunner
from projections.registry import Projection
from tuneton.ports import EventLog, LogRecord, ReadStore, SearchIndex


async def rebuild(
    event_log: EventLog,
    store: ReadStore,
    runner: ProjectorRunner,
    projection: Projection,
    *,
    progress: Callable[[int], None] | None = None,
    batch: int = 2000,
) -> tuple[int, float]:
    """Replay every record up to the high-water marks seen at the start; return (records, seconds)."""
    started = time.perf_counter()
    await store.reset(projection.name, projection.tables)
    seen = await _replay(event_log, projection.topics, runner.process, progress=progress, batch=batch)
    return seen, time.perf_counter() - started


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
    seen = await _replay(event_log, runner.topics, runner.process, progress=progress, batch=batch)
    return seen, time.perf_counter() - started


async def _replay(
    event_log: EventLog,
    topics: Sequence[str],
    process: Callable[[Sequence[LogRecord]], Awaitable[int]],
    *,
    progress: Callable[[int], None] | None,
    batch: int,
) -> int:
    targets = {(t, p): end for t in topics for p, end in (await event_log.end_offsets(t)).items()}
    remaining = {tp for tp, end in targets.items() if end > 0}
    subscription = await event_log.subscribe(list(topics), group=None, from_beginning=True)
    seen = 0
    try:
        while remaining:
            records = await subscription.poll(max_records=batch, wait_s=1.0)
            records = [r for r in records if r.offset < targets[(r.topic, r.partition)]]
            if records:
                await process(records)
                seen += len(records)
                if progress is not None:
                    progress(seen)
            at = await subscription.positions()  # positions pass Kafka transaction markers; offsets don't
            remaining = {tp for tp in remaining if at.get(tp, 0) < targets[tp]}
    finally:
        await subscription.close()
    return seen
