"""The event loop of the worker processes: uvloop, which uvicorn already gives ``tuneton serve``.

uvicorn's ``loop="auto"`` runs the API on uvloop, but the Faust worker and the embedded runtime's worker
process ran on asyncio's own loop, whose ``_run_once`` and selector, written in Python, were about a
sixth of the Faust worker's sampled CPU on the Kafka backbone benchmark. uvloop (libuv, in C) runs the
same coroutines and transports. Measured on that benchmark in six alternating pairs of runs
(BENCHMARKS.md, "Backbone", eleventh session), medians: the Faust worker's CPU per command 2.81 → 2.68 ms
(lower in five pairs of six), the command→visible p99 with eight clients 84 → 80 ms; a small gain, and
the embedded worker, which does little socket I/O, unchanged within the noise.

``TUNETON_WORKER_EVENT_LOOP=asyncio`` keeps asyncio's loop, for an operator who suspects the loop.
"""

from __future__ import annotations

import asyncio
from typing import Literal

import uvloop


def use_event_loop(kind: Literal["uvloop", "asyncio"]) -> None:
    """Make every event loop this process creates from now on one of ``kind``: ``asyncio.run``'s, the one
    Faust's worker gets, and the one of Faust's consumer thread. Call it before any loop exists."""
    policy = uvloop.EventLoopPolicy() if kind == "uvloop" else asyncio.DefaultEventLoopPolicy()
    asyncio.set_event_loop_policy(policy)
