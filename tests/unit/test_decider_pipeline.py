"""The pipelined decider: sends issued in batch order, completions in batch order, a failure stops later batches."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

import pytest

from processors.decider_pipeline import OrderedPipeline


class _Batch:
    """One batch's three steps, each released by the test; ``log`` records what happened in which order."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log
        self.snapshot = asyncio.Event()
        self.delivery: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def durable(self) -> None:
        await self.snapshot.wait()

    async def issue(self) -> Sequence[Awaitable[object]]:
        self.log.append(f"issue {self.name}")
        return [self.delivery]

    async def complete(self) -> None:
        self.log.append(f"complete {self.name}")

    async def submit(self, pipeline: OrderedPipeline) -> None:
        await pipeline.submit(self.durable, self.issue, self.complete)


async def _two_batches_submitted(log: list[str]) -> tuple[OrderedPipeline, _Batch, _Batch]:
    pipeline = OrderedPipeline(depth=4)
    first, second = _Batch("1", log), _Batch("2", log)
    await first.submit(pipeline)
    await second.submit(pipeline)
    return pipeline, first, second


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_a_later_batch_waits_for_the_earlier_ones_to_issue_and_to_complete() -> None:
    log: list[str] = []
    pipeline, first, second = await _two_batches_submitted(log)
    second.snapshot.set()  # batch 2's snapshot is durable first ...
    await _settle()
    assert log == [], "... but it may not send before batch 1 has"
    first.snapshot.set()
    await _settle()
    assert log == ["issue 1", "issue 2"]
    second.delivery.set_result(None)  # batch 2 delivered first ...
    await _settle()
    assert log == ["issue 1", "issue 2"], "... but its offsets wait for batch 1's"
    assert pipeline.in_flight == 2
    first.delivery.set_result(None)
    await pipeline.drain()
    assert log == ["issue 1", "issue 2", "complete 1", "complete 2"]


async def test_a_failed_batch_stops_every_later_one_before_it_sends() -> None:
    log: list[str] = []
    pipeline = OrderedPipeline(depth=4)
    first, second = _Batch("1", log), _Batch("2", log)

    async def lost() -> None:
        raise ConnectionError("changelog gone")

    await pipeline.submit(lost, first.issue, first.complete)
    await second.submit(pipeline)
    second.snapshot.set()
    with pytest.raises(ConnectionError):
        await pipeline.drain()
    assert log == [], "batch 2's snapshot carries batch 1's events: sending its own alone would skip versions"


async def test_a_batch_whose_sends_fail_completes_nothing_after_it() -> None:
    log: list[str] = []
    pipeline, first, second = await _two_batches_submitted(log)
    first.snapshot.set()
    second.snapshot.set()
    await _settle()
    first.delivery.set_exception(ConnectionError("broker gone"))
    second.delivery.set_result(None)
    with pytest.raises(ConnectionError):
        await pipeline.drain()
    assert "complete 1" not in log
    assert "complete 2" not in log


async def test_submit_waits_while_depth_batches_are_in_flight_and_reports_their_failure() -> None:
    log: list[str] = []
    pipeline = OrderedPipeline(depth=1)
    first, second = _Batch("1", log), _Batch("2", log)
    await first.submit(pipeline)
    waiting = asyncio.create_task(second.submit(pipeline))
    await _settle()
    assert not waiting.done(), "one batch in flight at depth 1"
    first.snapshot.set()
    first.delivery.set_result(None)
    await waiting
    assert log == ["issue 1", "complete 1"]
    failing = _Batch("3", log)
    failing.delivery.set_exception(ConnectionError("broker gone"))
    second.snapshot.set()
    second.delivery.set_result(None)
    await pipeline.drain()
    await failing.submit(pipeline)
    failing.snapshot.set()
    await _settle()
    with pytest.raises(ConnectionError):
        await _Batch("4", log).submit(pipeline)


async def test_cancel_stops_the_batches_in_flight() -> None:
    log: list[str] = []
    pipeline = OrderedPipeline(depth=4)
    first = _Batch("1", log)
    await first.submit(pipeline)
    await pipeline.cancel()
    assert pipeline.in_flight == 0
    first.snapshot.set()
    await _settle()
    assert log == []


def test_depth_is_at_least_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        OrderedPipeline(depth=0)
