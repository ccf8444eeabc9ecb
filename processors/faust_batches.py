"""Batches of a Faust stream's events for the decider and the projectors, acknowledged by the caller.

faust-streaming's ``noack_take(max_, within)`` wakes every ``within`` whether anything arrived or not:
the worker's eight batching agents woke about 800 times a second with nothing to do, most of what an
idle worker spent once its fetches stopped polling (BENCHMARKS.md, eighteenth session). ``batches``
gives the same batches under load and sleeps while nothing comes:

* a batch is what arrived until ``window_s`` after the previous one was handed over, or ``max_records``
  events, whichever comes first (``noack_take``'s window: a batch's produce requests and PostgreSQL
  transaction serve every event of the window; BENCHMARKS.md, thirteenth session);
* with nothing buffered it waits for the next event without a timeout, and an event that ends a quiet
  spell longer than the window is handed over at once instead of at the next tick.

Events are iterated with ``stream.noack()`` (as the render agent does) in a task of their own, so the
stream's records keep flowing into the buffer while the caller works on a batch, up to ``max_records``;
nothing is acknowledged here. Written by hand: Faust has no take that sleeps while its stream is idle.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any


async def batches(
    stream: Any, max_records: int, *, window_s: float, on_arrival: Callable[[Any], None] | None = None
) -> AsyncIterator[list[Any]]:
    """``stream``'s events in batches (module doc); the caller acknowledges each once it is stored.

    ``on_arrival`` is told of each event as the stream hands it over, before it waits for its batch.
    """
    loop = asyncio.get_running_loop()
    buffered: list[Any] = []
    arrived = asyncio.Event()  # set while ``buffered`` holds an event
    full = asyncio.Event()  # set while ``buffered`` holds ``max_records``
    room = asyncio.Event()  # cleared while the feed waits for a full buffer to be handed over
    room.set()

    async def feed() -> None:
        async for event in stream.noack().events():
            if on_arrival is not None:
                on_arrival(event)
            buffered.append(event)
            arrived.set()
            if len(buffered) >= max_records:
                full.set()
                room.clear()
                await room.wait()

    feeding = asyncio.ensure_future(feed())
    handed_at = loop.time() - window_s  # the first event is handed over as soon as it comes
    try:
        while True:
            if not buffered:
                await _first(arrived.wait(), feeding)
            remaining = window_s - (loop.time() - handed_at)
            if remaining > 0 and not full.is_set() and not feeding.done():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await _first(full.wait(), feeding)
            if feeding.done() and not buffered:
                feeding.result()  # the stream's failure, if it failed
                return
            batch = buffered[:]  # never more than max_records: the feed waits for room at that many
            buffered.clear()
            full.clear()
            arrived.clear()
            room.set()
            yield batch
            handed_at = loop.time()
    finally:
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await feeding


async def _first(waiting: Any, feeding: asyncio.Future[None]) -> None:
    """Wait for ``waiting`` or the feed's end, whichever comes first (the feed is never cancelled here)."""
    waiter = asyncio.ensure_future(waiting)
    try:
        await asyncio.wait({waiter, feeding}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
