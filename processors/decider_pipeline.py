"""The Faust decider's batches in flight: decide the next batch while earlier ones wait for the broker.

A decider batch on Kafka waits twice (docs/kafka.md): for its snapshots' changelog records, then for
its events and outcomes. Done one batch at a time, the next commands queued behind both waits, about
17 ms a batch on this machine, and waited half a cycle on average before their batch was even taken.
Here each batch's waits run in a task of its own while the agent decides the next batches, and the
two orders that make a crash harmless are kept across batches:

* a batch **issues its sends** only after its own snapshots are acknowledged (the outbox rule) and
  after every earlier batch has issued its own, so each partition receives events in version order
  (one producer, which keeps the order it was handed);
* a batch **completes** (acks its commands' offsets, records its versions as delivered) only after
  its sends are acknowledged and every earlier batch has completed, so a committed offset never
  runs ahead of a durable effect.

When a batch fails, every later one fails with it before issuing anything: their snapshots carry the
failed batch's events in their outboxes, and sending theirs alone would leave a gap in the versions.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable, Sequence

Durable = Callable[[], Awaitable[None]]
Issue = Callable[[], Awaitable[Sequence[Awaitable[object]]]]
Complete = Callable[[], Awaitable[None]]


class OrderedPipeline:
    """Up to ``depth`` batches finishing at once, their sends issued and their completions run in order."""

    def __init__(self, depth: int) -> None:
        if depth < 1:
            raise ValueError("depth must be at least 1")
        self._depth = depth
        self._tasks: deque[asyncio.Task[None]] = deque()
        self._issued: asyncio.Future[None] | None = None  # the newest batch's "sends issued"

    @property
    def in_flight(self) -> int:
        """Batches submitted and not yet completed (or failed)."""
        return sum(not task.done() for task in self._tasks)

    async def submit(self, durable: Durable, issue: Issue, complete: Complete) -> None:
        """Start finishing a batch; waits first while ``depth`` are in flight. Raises an earlier batch's failure."""
        while self._tasks and (self._tasks[0].done() or len(self._tasks) >= self._depth):
            await self._tasks.popleft()  # raises what the batch raised
        issued: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        earlier_issued, earlier_done = self._issued, (self._tasks[-1] if self._tasks else None)
        task = asyncio.create_task(self._finish(durable, issue, complete, earlier_issued, earlier_done, issued))
        self._issued = issued
        self._tasks.append(task)

    async def drain(self) -> None:
        """Wait for every batch in flight; raises the first failure."""
        while self._tasks:
            await self._tasks.popleft()

    async def cancel(self) -> None:
        """Stop every batch in flight (the agent is going away); their offsets stay uncommitted."""
        tasks, self._tasks = list(self._tasks), deque()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._issued = None

    @staticmethod
    async def _finish(
        durable: Durable,
        issue: Issue,
        complete: Complete,
        earlier_issued: asyncio.Future[None] | None,
        earlier_done: asyncio.Task[None] | None,
        issued: asyncio.Future[None],
    ) -> None:
        try:
            await durable()
            if earlier_issued is not None:
                await asyncio.shield(earlier_issued)  # raises an earlier batch's failure
            deliveries = await issue()
        except BaseException as error:
            _fail(issued, error)
            raise
        issued.set_result(None)
        for delivery in deliveries:
            await delivery
        if earlier_done is not None:
            await asyncio.shield(earlier_done)
        await complete()


def _fail(issued: asyncio.Future[None], error: BaseException) -> None:
    """Pass a failure to the next batch's wait (marked retrieved: the next batch may not exist)."""
    if isinstance(error, asyncio.CancelledError):
        issued.cancel()
    else:
        issued.set_exception(error)
        with contextlib.suppress(BaseException):
            issued.exception()
