"""The render host loop, shared by the embedded runner and the Faust agent: only how a request is released differs.

Renders take seconds, so requests are not processed batch by batch: each one starts a task as soon
as it arrives, at most ``concurrency`` render at once, and at most four times that are held before
the host stops taking more. A request is *released* (the embedded host commits its offset, the Faust
host acks its event) only once its render and every earlier request of its partition have finished
(:class:`~processors.render.InOrderRelease`), so a crash redelivers exactly the unfinished ones. An
undecodable request is parked on the dead-letter topic and released.

A render that fails unexpectedly (a bug, a render process killed, a report the log refused) is tried
again after ``RETRY_DELAYS_S``, then reported as failed (``internal``: the listener may ask again) and
released. Leaving it unreleased until a restart, as before, held back every later request of its
partition, and on Kafka the worker's next rebalance waited for it for good: Faust waits at each
rebalance until every event its agents hold is acked. Only a failure that cannot even be reported
stays unreleased.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

from processors.dlq import dead_letter
from processors.render import GROUP, InOrderRelease, RenderJob, RenderStep
from tuneton.domain.render.values import FailureReason
from tuneton.events.codec import AvroCodec
from tuneton.observability import metrics
from tuneton.ports import LogRecord, OutgoingRecord

log = logging.getLogger(__name__)
Token = TypeVar("Token")
BACKLOG_PER_SLOT = 4
RETRY_DELAYS_S = (1.0, 4.0, 16.0)  # then the render is reported failed: 21 s of waiting in its slot


class RenderScheduler(Generic[Token]):
    """Starts a render per request and hands each request's ``Token`` to ``release`` in offset order."""

    def __init__(
        self,
        step: RenderStep,
        codec: AvroCodec,
        park: Callable[[Sequence[OutgoingRecord]], Awaitable[Any]],
        release: Callable[[Token], None],
        *,
        concurrency: int,
        retry_delays_s: Sequence[float] = RETRY_DELAYS_S,
    ) -> None:
        self._step = step
        self._codec = codec
        self._park = park
        self._release = release
        self._slots = asyncio.Semaphore(concurrency)
        self._backlog = concurrency * BACKLOG_PER_SLOT
        self._order: InOrderRelease[Token] = InOrderRelease()
        self._tasks: set[asyncio.Task[None]] = set()
        self._retry_delays_s = retry_delays_s

    @property
    def room(self) -> int:
        """How many more requests may be taken now."""
        return max(self._backlog - len(self._tasks), 0)

    async def wait_for_room(self, timeout_s: float | None = None) -> None:
        """Wait while the backlog is full (at most ``timeout_s``)."""
        if self._tasks and not self.room:
            await asyncio.wait(self._tasks, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)

    async def add(self, record: LogRecord, token: Token) -> None:
        """Take a request: start its render, or park it when it cannot be decoded."""
        self._order.add(record.topic, record.partition, record.offset, token)
        job = await self._job(record)
        if job is None:
            self._finish(record)
            return
        task = asyncio.create_task(self._render(job, record), name=f"render-{job.asset_key[:12]}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        """Cancel the renders in flight; they were not released, so they are redelivered next time."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _job(self, record: LogRecord) -> RenderJob | None:
        try:
            return await self._step.decode(record)
        except Exception as error:  # noqa: BLE001 - poison: park it, keep rendering
            where = f"{record.topic}:{record.partition}@{record.offset}"
            log.warning("dead-lettering render event %s: %r", where, error)
            await self._park([dead_letter(self._codec, record, processor=GROUP, error=error)])
            metrics.DEAD_LETTERS.labels(GROUP).inc()
            return None

    async def _render(self, job: RenderJob, record: LogRecord) -> None:
        async with self._slots:
            if not await self._run_or_report(job):
                return  # never released: the committed offset stays before it
        self._finish(record)

    async def _run_or_report(self, job: RenderJob) -> bool:
        """Run ``job``, again after each delay while it fails unexpectedly, then report it failed.

        False only when even the report failed: the request must then stay unreleased, or it would be
        lost with its aggregate still rendering.
        """
        failure: Exception | None = None
        for delay in (0.0, *self._retry_delays_s):
            await asyncio.sleep(delay)
            try:
                await self._step.run(job)
                return True
            except Exception as error:  # unexpected by definition: logged with its traceback, tried again
                log.warning("render %s failed unexpectedly: %r", job.asset_key, error, exc_info=True)
                metrics.RENDERS_RETRIED.inc()
                failure = error
        try:
            await self._step.fail(job, FailureReason.INTERNAL, f"unexpected: {failure!r}")
            return True
        except Exception:
            log.exception("render %s: its failure could not be reported; redelivered after a restart", job.asset_key)
            return False

    def _finish(self, record: LogRecord) -> None:
        for token in self._order.done(record.topic, record.partition, record.offset):
            self._release(token)
        metrics.EVENTS_PROCESSED.labels(GROUP).inc()
