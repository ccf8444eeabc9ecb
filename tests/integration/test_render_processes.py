"""The render process pool starts again once one of its processes has died (real processes, no fakes)."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from processors.render import RenderProcesses


def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def test_a_pool_whose_process_died_is_started_again_for_the_next_render() -> None:
    started: list[ProcessPoolExecutor] = []

    def start() -> ProcessPoolExecutor:
        started.append(_pool())
        return started[-1]

    processes = RenderProcesses(start)
    try:
        assert processes.submit(pow, 2, 10).result(timeout=60) == 1024
        with pytest.raises(BrokenProcessPool):  # the process dies mid-job, as under the OOM killer
            processes.submit(os._exit, 1).result(timeout=60)
        assert processes.submit(pow, 3, 3).result(timeout=60) == 27
        assert len(started) == 2, "one new pool, started when the broken one was handed a job"
    finally:
        processes.shutdown()
