"""The worker processes' event loop (tuneton/event_loop.py): the setting decides what loops are created."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
import uvloop

from tuneton.event_loop import use_event_loop
from tuneton.settings import Settings


@pytest.fixture(autouse=True)
def _policy_restored() -> Iterator[None]:
    before = asyncio.get_event_loop_policy()
    yield
    asyncio.set_event_loop_policy(before)


async def _running_loop() -> asyncio.AbstractEventLoop:
    return asyncio.get_running_loop()


def test_the_workers_run_on_uvloop_by_default() -> None:
    use_event_loop(Settings().worker_event_loop)
    assert isinstance(asyncio.run(_running_loop()), uvloop.Loop)


def test_asyncio_s_own_loop_can_be_chosen_back() -> None:
    use_event_loop("uvloop")
    use_event_loop(Settings(worker_event_loop="asyncio").worker_event_loop)
    loop = asyncio.run(_running_loop())
    assert isinstance(loop, asyncio.BaseEventLoop)
    assert not isinstance(loop, uvloop.Loop)
