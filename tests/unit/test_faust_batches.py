"""How ``processors.faust_batches.batches`` cuts a stream into batches: the window under load, at once after
a quiet spell, at most ``max_records``, and the stream's end or failure passed on. A stand-in stream
(``noack().events()``, what ``batches`` uses of Faust's) is fed by the test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from processors.faust_batches import batches

_END = object()


class _Stream:
    """What ``batches`` uses of a Faust stream: ``noack().events()``, here fed through a queue."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue()

    def noack(self) -> _Stream:
        return self

    async def events(self) -> AsyncIterator[Any]:
        while (item := await self.queue.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item

    def put(self, *items: Any) -> None:
        for item in items:
            self.queue.put_nowait(item)


async def _next(taken: AsyncIterator[list[Any]], timeout_s: float = 5) -> list[Any]:
    return await asyncio.wait_for(anext(taken), timeout_s)


async def test_an_event_after_a_quiet_spell_is_handed_over_without_waiting_for_the_window() -> None:
    stream = _Stream()
    taken = batches(stream, 100, window_s=3600)  # a window no test could wait out
    stream.put("a", "b")
    assert await _next(taken) == ["a", "b"]
    await taken.aclose()


async def test_what_arrives_within_the_window_after_a_batch_is_one_batch() -> None:
    stream = _Stream()
    taken = batches(stream, 100, window_s=1.0)
    stream.put("a")
    assert await _next(taken) == ["a"]
    stream.put("b")
    waiting = asyncio.ensure_future(_next(taken))
    await asyncio.sleep(0.05)  # inside the window: "b" waits for company
    assert not waiting.done()
    stream.put("c")
    assert await waiting == ["b", "c"]
    await taken.aclose()


async def test_a_full_buffer_is_handed_over_at_once_and_no_batch_exceeds_max_records() -> None:
    stream = _Stream()
    taken = batches(stream, 2, window_s=3600)
    stream.put("a", "b", "c", "d", "e")
    assert await _next(taken) == ["a", "b"]
    assert await _next(taken) == ["c", "d"]  # full again while the first was out: no window
    stream.put(_END)
    assert await _next(taken) == ["e"]  # the stream ended: what is left, then the end
    with pytest.raises(StopAsyncIteration):
        await _next(taken)


async def test_an_idle_stream_yields_nothing_until_its_next_event() -> None:
    stream = _Stream()
    taken = batches(stream, 10, window_s=0.01)
    waiting = asyncio.ensure_future(_next(taken))
    await asyncio.sleep(0.1)  # ten windows: the old take would have woken ten times, this yields nothing
    assert not waiting.done()
    stream.put("a")
    assert await waiting == ["a"]
    await taken.aclose()


async def test_the_stream_s_failure_reaches_the_caller() -> None:
    stream = _Stream()
    taken = batches(stream, 10, window_s=0.01)
    stream.put(RuntimeError("broken stream"))
    with pytest.raises(RuntimeError, match="broken stream"):
        await _next(taken)


async def test_closing_the_batches_stops_the_feed() -> None:
    stream = _Stream()
    taken = batches(stream, 10, window_s=0.01)
    stream.put("a")
    assert await _next(taken) == ["a"]
    await taken.aclose()
    stream.put("b")
    await asyncio.sleep(0.05)
    assert stream.queue.qsize() == 1  # nobody took "b": the feed is gone


async def test_each_event_is_announced_as_it_arrives_before_its_batch_is_handed_over() -> None:
    stream, seen = _Stream(), []
    taken = batches(stream, 100, window_s=1.0, on_arrival=seen.append)
    stream.put("a")
    assert await _next(taken) == ["a"]
    stream.put("b")
    waiting = asyncio.ensure_future(_next(taken))
    await asyncio.sleep(0.05)  # "b" waits in the window, already announced
    assert seen == ["a", "b"]
    assert not waiting.done()
    stream.put("c")
    assert await waiting == ["b", "c"]
    await taken.aclose()
