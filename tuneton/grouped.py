"""Calls made in the same event-loop turn, carried out together: one flush for the whole group.

The command bus groups its appends this way (one SQLite transaction for the commands of a turn: a group
commit) and its hand-offs to the embedded worker (one message for the envelopes of a turn); the worker
groups the commands it was handed into one append. Written by hand: it is a dozen lines around one
asyncio task, and no library offers exactly "the callers of this turn".
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Grouped(Generic[Item, Result]):
    """``await grouped.add(item)``: the flush's result for ``item``, flushed with the rest of its turn.

    The first caller of a turn schedules the flush; callers that arrive before it runs ride along.
    ``flush`` gets the items in call order and returns one result per item; if it raises, every
    caller of the group gets that error.
    """

    def __init__(self, flush: Callable[[list[Item]], Awaitable[Sequence[Result]]], *, name: str) -> None:
        self._flush_group = flush
        self._name = name
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._flushes: set[asyncio.Task[None]] = set()

    async def add(self, item: Item) -> Result:
        """Queue ``item`` for this turn's flush and wait for its result."""
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._pending) == 1:
            flush = asyncio.create_task(self._flush(), name=self._name)
            self._flushes.add(flush)  # a reference, so the task is not collected mid-flight
            flush.add_done_callback(self._flushes.discard)
        return await future

    async def _flush(self) -> None:
        group, self._pending = self._pending, []
        try:
            results = await self._flush_group([item for item, _ in group])
        except asyncio.CancelledError:
            for _, future in group:
                future.cancel()
            raise
        except Exception as error:  # noqa: BLE001 - every caller learns the group's fate
            for _, future in group:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), result in zip(group, results, strict=True):
            if not future.done():
                future.set_result(result)
