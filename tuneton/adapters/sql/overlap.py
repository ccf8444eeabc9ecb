"""Write one batch while the next is being produced: the rebuild's overlap of decoding and writing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def overlapped(batches: AsyncIterator[T], write: Callable[[T], Awaitable[int]]) -> int:
    """``write`` every batch in order, advancing ``batches`` while the previous write runs; sum the results.

    Writes never overlap each other (one transaction, one connection): batch N+1 is produced while
    batch N is written, and written only after N is done. When anything fails, the write in flight is
    waited for (not cancelled: a SQLite write in a thread cannot be, and a PostgreSQL statement cut
    off mid-pipeline would leave the connection unusable) before the error propagates, so the caller
    can roll back on a quiet connection.
    """
    total = 0
    pending: asyncio.Future[int] | None = None
    try:
        async for batch in batches:
            if pending is not None:
                total += await pending
            pending = asyncio.ensure_future(write(batch))
        if pending is not None:
            total += await pending
            pending = None
    except BaseException:
        if pending is not None:
            with contextlib.suppress(BaseException):
                await pending
        raise
    return total
