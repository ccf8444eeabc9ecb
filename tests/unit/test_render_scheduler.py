"""The render host loop both hosts share: renders run at once, requests are released in offset order."""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass
from typing import Any

import pytest
from prometheus_client import REGISTRY

from processors.render_scheduler import BACKLOG_PER_SLOT, RenderScheduler
from tests.fakes import InMemorySchemaRegistry
from tuneton.domain.render.values import FailureReason
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import LogRecord, OutgoingRecord


@dataclass
class _Job:
    asset_key: str


class _Step:
    """Decodes ``b"poison"`` to an error, ``b"other"`` to no job, anything else to a job whose render the test ends.

    ``failing_report`` makes the failure report raise (the log refuses it).
    """

    def __init__(self) -> None:
        self.renders: dict[str, asyncio.Future[None]] = {}
        self.runs: collections.Counter[str] = collections.Counter()
        self.started: collections.defaultdict[str, asyncio.Queue[asyncio.Future[None]]] = collections.defaultdict(
            asyncio.Queue
        )
        self.failed: list[tuple[str, FailureReason, str]] = []
        self.failing_report = False

    async def decode(self, record: LogRecord) -> _Job | None:
        if record.value == b"poison":
            raise ValueError("not Avro")
        return None if record.value == b"other" else _Job(asset_key=(record.value or b"").decode())

    async def run(self, job: _Job) -> None:
        self.runs[job.asset_key] += 1
        render = self.renders[job.asset_key] = asyncio.get_running_loop().create_future()
        self.started[job.asset_key].put_nowait(render)
        await render

    async def fail(self, job: _Job, reason: FailureReason, detail: str) -> None:
        if self.failing_report:
            raise ConnectionError("the log is away")
        self.failed.append((job.asset_key, reason, detail))


def _record(offset: int, value: bytes, partition: int = 0) -> LogRecord:
    return LogRecord(
        topic=topics.RENDER_EVENTS, partition=partition, offset=offset, key=b"k", value=value, timestamp_ms=0,
        headers=(),
    )  # fmt: skip


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


@pytest.fixture
async def codec() -> AvroCodec:
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    return codec


def _scheduler(
    codec: AvroCodec, step: _Step, released: list[int], parked: list[OutgoingRecord]
) -> RenderScheduler[int]:
    async def park(records: Any) -> None:
        parked.extend(records)

    return RenderScheduler(step, codec, park, released.append, concurrency=2, retry_delays_s=RETRIES)  # type: ignore[arg-type]


RETRIES = (0.01, 0.01)


async def _fail_each_run(step: _Step, asset_key: str, times: int) -> None:
    """End the next ``times`` runs of ``asset_key`` with an unexpected error, each as it starts."""
    for run in range(1, times + 1):
        render = await asyncio.wait_for(step.started[asset_key].get(), 5)
        render.set_exception(RuntimeError(f"render process died ({run})"))


async def _started(step: _Step, asset_key: str) -> asyncio.Future[None]:
    """The next run of ``asset_key``, once it has started."""
    return await asyncio.wait_for(step.started[asset_key].get(), 5)


def _retried() -> float:
    """``tuneton_renders_retried_total`` now."""
    return REGISTRY.get_sample_value("tuneton_renders_retried_total") or 0.0


async def test_requests_are_released_in_offset_order_whatever_order_renders_finish(codec: AvroCodec) -> None:
    step, released, parked = _Step(), [], []
    scheduler = _scheduler(codec, step, released, parked)
    for offset, value in enumerate([b"a", b"other", b"b", b"poison"]):
        await scheduler.add(_record(offset, value), offset)
    await _settle()
    assert sorted(step.renders) == ["a", "b"], "both render at once"
    assert [letter.topic for letter in parked] == [topics.DEADLETTER], "the poison request is parked"
    step.renders["b"].set_result(None)
    await _settle()
    assert released == [], "b is done, but a (earlier) is not"
    step.renders["a"].set_result(None)
    await _settle()
    assert released == [0, 1, 2, 3]


async def test_a_render_that_fails_unexpectedly_is_tried_again_and_released_once_it_succeeds(
    codec: AvroCodec,
) -> None:
    step, released, parked = _Step(), [], []
    scheduler = _scheduler(codec, step, released, parked)
    unexpected = _retried()
    await scheduler.add(_record(0, b"a"), 0)
    await scheduler.add(_record(1, b"other"), 1)
    await _fail_each_run(step, "a", len(RETRIES))
    last_try = await _started(step, "a")
    assert _retried() - unexpected == len(RETRIES), "each unexpected failure is counted"
    assert released == [], "nothing behind it is released while it is tried again"
    last_try.set_result(None)
    await _settle()
    assert released == [0, 1]
    assert step.failed == []


async def test_a_render_that_keeps_failing_is_reported_failed_and_released(codec: AvroCodec) -> None:
    step, released, parked = _Step(), [], []
    scheduler = _scheduler(codec, step, released, parked)
    await scheduler.add(_record(0, b"a"), 0)
    await scheduler.add(_record(1, b"b"), 1)
    (await _started(step, "b")).set_result(None)
    await _fail_each_run(step, "a", len(RETRIES) + 1)
    await _settle()
    assert step.runs["a"] == len(RETRIES) + 1
    assert step.failed == [("a", FailureReason.INTERNAL, "unexpected: RuntimeError('render process died (3)')")]
    assert released == [0, 1], "the partition goes on behind it"


async def test_a_failure_that_cannot_be_reported_stays_unreleased_for_a_restart(codec: AvroCodec) -> None:
    step, released, parked = _Step(), [], []
    step.failing_report = True
    scheduler = _scheduler(codec, step, released, parked)
    await scheduler.add(_record(0, b"a"), 0)
    await scheduler.add(_record(1, b"b"), 1)
    await scheduler.add(_record(0, b"c", partition=1), 10)
    (await _started(step, "b")).set_result(None)
    await _fail_each_run(step, "a", len(RETRIES) + 1)
    await _settle()
    assert step.runs["a"] == len(RETRIES) + 1
    assert released == [], "partition 0 waits behind the request no one heard failed (redelivered after a restart)"
    await scheduler.close()
    assert released == [], "closing cancels the render of partition 1 unreleased"


async def test_the_backlog_bounds_how_many_requests_are_taken(codec: AvroCodec) -> None:
    step, released, parked = _Step(), [], []
    scheduler = _scheduler(codec, step, released, parked)
    full = 2 * BACKLOG_PER_SLOT
    for offset in range(full):
        await scheduler.add(_record(offset, f"r{offset}".encode()), offset)
    assert scheduler.room == 0
    waiting = asyncio.create_task(scheduler.wait_for_room())
    await _settle()
    assert not waiting.done()
    await _settle()
    step.renders["r0"].set_result(None)
    await asyncio.wait_for(waiting, 5)
    assert scheduler.room == 1
    assert released == [0]
    await scheduler.close()
