"""One ``async with`` for what a tuneTON process runs: the adapters, the command bus and, on the
embedded runtime, the processors — started in that order, stopped in reverse (processors first, so no
decider writes into a closed log). ``tuneton serve``, the catalog CLI and the benchmarks share it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from commands.bus import CommandBus
from processors.embedded_worker import EmbeddedWorker, processors_lock
from processors.host import EmbeddedProcessors
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.events.decoded import DecodedCommands
from tuneton.settings import Settings


class ProcessorsHost(Protocol):
    """Where the embedded processors run: tasks of this process, or a worker process beside it."""

    def alive(self) -> bool: ...


@dataclass(frozen=True, kw_only=True)
class Running:
    """The started pieces of this process."""

    runtime: Runtime
    bus: CommandBus
    processors: ProcessorsHost | None  # None: the processors are Faust workers elsewhere


def command_bus(rt: Runtime, settings: Settings, decoded: DecodedCommands | None = None) -> CommandBus:
    """The command bus; with the decider in this process (embedded) its appends are grouped, and the
    decider takes the envelopes from ``decoded`` and hands the verdicts back (``EmbeddedProcessors``)."""
    if rt.embedded:
        return CommandBus(
            rt.event_log, rt.codec, timeout_s=settings.command_timeout_s, group_appends=True, decoded=decoded
        )
    return CommandBus(rt.event_log, rt.codec, timeout_s=settings.command_timeout_s)


@contextlib.asynccontextmanager
async def running(
    settings: Settings, *, runtime: Runtime | None = None, worker: bool = False
) -> AsyncIterator[Running]:
    """Start ``runtime`` (default: the one ``settings`` choose), its command bus and its processors.

    ``worker``: on the embedded runtime, the processors run in a worker process beside this one
    (``tuneton serve`` with ``embedded_processors = "worker"``); the bus then hands it the commands and
    gets the verdicts back over the worker's link (``embedded_hand_off``).
    """
    rt = runtime or build_runtime(settings)
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(rt)
        beside = rt.embedded and not worker
        decoded = DecodedCommands() if beside else None
        bus = command_bus(rt, settings, decoded)
        await bus.start()
        stack.push_async_callback(bus.close)
        processors: ProcessorsHost | None = None
        if beside:
            stack.enter_context(processors_lock(rt.settings.data_dir))  # one decider per data directory
            processors = await stack.enter_async_context(
                EmbeddedProcessors(rt, decoded=decoded, on_outcomes=bus.resolve)
            )
        elif rt.embedded:
            worker_process = EmbeddedWorker(rt, on_outcomes=bus.resolve, on_gone=bus.abandon_handed)
            processors = await stack.enter_async_context(worker_process)
            if settings.embedded_hand_off:
                bus.use_hand_off(worker_process.hand_off)
        yield Running(runtime=rt, bus=bus, processors=processors)
