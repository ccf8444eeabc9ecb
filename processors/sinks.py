"""One batch of a projector, persisted: the loop body both hosts (embedded runner, Faust agent) share.

The steps (:mod:`processors.projector`, :mod:`processors.search`) are I/O-free and turn the records'
own faults into dead letters. Everything here is persistence, retried in place until it succeeds
(:mod:`processors.retry`), so a host only acknowledges a batch once it is stored and never moves on
without it. Order inside a batch: dead letters first, then the store, so an acknowledged batch never
left its poison unparked.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from typing import TypeVar

from processors.gaps import MAX_FILL, Fill
from processors.projector import Entry, ProjectorStep
from processors.retry import Backoff, until_persisted
from processors.search import SearchStep
from tuneton.observability import metrics
from tuneton.ports import LogRecord, OutgoingRecord, PositionGap, ReadStore, SearchIndex

log = logging.getLogger(__name__)
Send = Callable[[list[OutgoingRecord]], Awaitable[object]]
Acknowledge = Callable[[], Awaitable[object]]
T = TypeVar("T")


class _Sink:
    def __init__(self, group: str, send: Send, backoff: Backoff) -> None:
        self.group = group
        self._send = send
        self._backoff = backoff

    async def _persist(
        self, call: Callable[[], Awaitable[T]], what: str, *, passthrough: tuple[type[Exception], ...] = ()
    ) -> T:
        return await until_persisted(call, what=what, group=self.group, backoff=self._backoff, passthrough=passthrough)

    async def _park(self, letters: list[OutgoingRecord]) -> None:
        if letters:
            await self._persist(lambda: self._send(letters), "dead-letter append")
            metrics.DEAD_LETTERS.labels(self.group).inc(len(letters))


class ProjectorSink(_Sink):
    """Projects a batch into the read store in one transaction (rows and positions together).

    The store, not the consumer, knows what was applied: a batch that starts past the stored position
    (``PositionGap``) gets the skipped records read from the log (``fill``) and applied first.
    """

    def __init__(
        self, step: ProjectorStep, store: ReadStore, send: Send, *, fill: Fill, backoff: Backoff | None = None
    ) -> None:
        super().__init__(step.projection.group, send, backoff or Backoff())
        self._step = step
        self._store = store
        self._fill = fill

    async def process(self, records: Sequence[LogRecord]) -> int:
        """Apply ``records``; returns how many entries changed rows."""
        applied = await self._apply(await self.entries(records))
        metrics.EVENTS_PROCESSED.labels(self.group).inc(len(records))
        return applied

    async def entries(self, records: Sequence[LogRecord]) -> list[Entry]:
        """One entry per record, its poison parked first (a rebuild writes the entries itself)."""
        prepared = await self._step.prepare(records)
        await self._park(prepared.dead_letters)
        return prepared.entries

    async def _apply(self, entries: list[Entry]) -> int:
        """One transaction; a hole before the batch is read from the log and applied with it."""
        while True:
            try:
                return await self._persist(
                    partial(self._store.apply, entries), "read-store transaction", passthrough=(PositionGap,)
                )
            except PositionGap as gap:
                entries = await self._with_hole_filled(gap, entries)

    async def _with_hole_filled(self, gap: PositionGap, entries: list[Entry]) -> list[Entry]:
        log.warning("%s: %s; reading the skipped records from the log", self.group, gap)
        metrics.POSITION_GAPS.labels(self.group).inc()
        found = await self._persist(lambda: self._fill(gap.topic, gap.partition, gap.expected, gap.found), "gap read")
        filled = await self._step.prepare(found)
        await self._park(filled.dead_letters)
        read = {checkpoint.offset for _, checkpoint in filled.entries}
        holes: list[Entry] = [  # offsets the log holds no record at (markers, deleted segments): seen, nothing to apply
            ([], self._step.checkpoint_at(gap.topic, gap.partition, offset))
            for offset in range(gap.expected, min(gap.found, gap.expected + MAX_FILL))
            if offset not in read
        ]
        merged = [*holes, *filled.entries, *entries]
        return sorted(merged, key=lambda entry: (entry[1].topic, entry[1].partition, entry[1].offset))


class SearchSink(_Sink):
    """Folds a batch of track events into index changes and writes them with external versions."""

    def __init__(self, step: SearchStep, index: SearchIndex, send: Send, *, backoff: Backoff | None = None) -> None:
        super().__init__(step.projection.group, send, backoff or Backoff())
        self._step = step
        self._index = index

    async def process(self, records: Sequence[LogRecord]) -> int:
        """Index ``records``; returns how many changes were applied (the rest were stale)."""
        # The fold reads the documents it changes: an unreachable index is retried, never poison.
        prepared = await self._persist(lambda: self._step.prepare(records, self._index.get), "index lookup")
        await self._park(prepared.dead_letters)
        applied: list[bool] = []
        if prepared.changes:
            applied = await self._persist(lambda: self._index.write(prepared.changes), "index write")
        metrics.EVENTS_PROCESSED.labels(self.group).inc(len(records))
        return sum(applied)


async def store_each(
    batches: AsyncIterator[tuple[Sequence[LogRecord], Acknowledge]], sink: ProjectorSink | SearchSink
) -> None:
    """The projector host loop of both hosts: store each batch (retried until stored), then acknowledge it.

    The hosts differ only in where batches come from and what acknowledging means: the embedded
    runner commits the batch's offsets to its subscription, the Faust agent acks the batch's events.
    """
    async for records, acknowledge in batches:
        await sink.process(records)
        await acknowledge()
