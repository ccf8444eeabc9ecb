"""One batch of a projector, persisted: the loop body both hosts (embedded runner, Faust agent) share.

The steps (:mod:`processors.projector`, :mod:`processors.search`) are I/O-free and turn the records'
own faults into dead letters. Everything here is persistence, retried in place until it succeeds
(:mod:`processors.retry`), so a host only acknowledges a batch once it is stored and never moves on
without it. Order inside a batch: dead letters first, then the store, so an acknowledged batch never
left its poison unparked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from processors.projector import ProjectorStep
from processors.retry import Backoff, until_persisted
from processors.search import SearchStep
from tuneton.observability import metrics
from tuneton.ports import LogRecord, OutgoingRecord, ReadStore, SearchIndex

Send = Callable[[list[OutgoingRecord]], Awaitable[object]]
T = TypeVar("T")


class _Sink:
    def __init__(self, group: str, send: Send, backoff: Backoff) -> None:
        self.group = group
        self._send = send
        self._backoff = backoff

    async def _persist(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        return await until_persisted(call, what=what, group=self.group, backoff=self._backoff)

    async def _park(self, letters: list[OutgoingRecord]) -> None:
        if letters:
            await self._persist(lambda: self._send(letters), "dead-letter append")
            metrics.DEAD_LETTERS.labels(self.group).inc(len(letters))


class ProjectorSink(_Sink):
    """Projects a batch into the read store in one transaction (rows and positions together)."""

    def __init__(self, step: ProjectorStep, store: ReadStore, send: Send, *, backoff: Backoff | None = None) -> None:
        super().__init__(step.projection.group, send, backoff or Backoff())
        self._step = step
        self._store = store

    async def process(self, records: Sequence[LogRecord]) -> int:
        """Apply ``records``; returns how many entries changed rows."""
        prepared = await self._step.prepare(records)
        await self._park(prepared.dead_letters)
        applied = await self._persist(lambda: self._store.apply(prepared.entries), "read-store transaction")
        metrics.EVENTS_PROCESSED.labels(self.group).inc(len(records))
        return applied


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
