"""The processors' own wiring to a runtime's adapters; the composition root (``tuneton/bootstrap.py``)
builds adapters only and knows no processor.

:class:`EmbeddedProcessors` runs the decider, the projectors, the search indexer and the renderer as
asyncio tasks of the process it is entered in (``async with``: started on entry, stopped on exit): the
embedded worker (:mod:`processors.embedded_worker`), or ``tuneton serve`` / the CLI themselves;
:class:`RenderPool` owns the process pool renders run in, for either host (the Faust worker's render
agent uses it too).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol, Self

from processors.embedded import DeciderRunner, ProjectorRunner, RenderRunner, SearchRunner
from processors.handed import HandedCommands
from processors.projector import ProjectorStep
from processors.render import RenderProcesses, RenderStep, Submit, start_render_pool
from processors.search import SearchStep
from projections.registry import PROJECTIONS, SEARCH
from tuneton.bootstrap import Runtime
from tuneton.events.decoded import DecodedCommands, DecodedEvents
from tuneton.events.envelope import CommandOutcome
from tuneton.ports import OutgoingRecord

log = logging.getLogger(__name__)


class _Runner(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


class RenderPool:
    """The render process pool of one host, started on first use and shut down with the host."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt
        self._pool: RenderProcesses | None = None

    def step(self, submit: Submit) -> RenderStep:
        """A render step on this host's pool (started now if need be) and scratch dir."""
        settings = self._rt.settings
        if self._pool is None:
            self._pool = start_render_pool(settings.render_workers, settings.render_engine)
        return RenderStep(self._rt.codec, self._rt.blob_store, submit, self._pool, settings.render_dir)

    def shutdown(self) -> None:
        """Stop the pool's processes (renders in flight are redelivered on the next start)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def projector_runners(rt: Runtime, decoded: DecodedEvents | None = None) -> list[ProjectorRunner]:
    """One projector per registered projection, on ``rt``'s log and read store (taking the envelopes of
    events this process's decider appended from ``decoded``)."""
    return [
        ProjectorRunner(rt.event_log, rt.read_store, ProjectorStep(rt.codec, p, decoded=decoded))
        for p in PROJECTIONS.values()
    ]


def search_runner(rt: Runtime) -> SearchRunner:
    """The projector that keeps ``rt``'s search index up to date."""
    return SearchRunner(rt.event_log, rt.search_index, SearchStep(rt.codec, SEARCH))


class EmbeddedProcessors:
    """Every processor of the embedded runtime as a supervised task of this process.

    ``decoded``, ``handed`` and ``on_outcomes`` are the shortcuts between the command bus and the
    decider (:class:`tuneton.events.decoded.DecodedCommands`, :class:`processors.handed.HandedCommands`,
    the bus's ``resolve``).
    """

    def __init__(
        self,
        rt: Runtime,
        *,
        decoded: DecodedCommands | None = None,
        handed: HandedCommands | None = None,
        on_outcomes: Callable[[Sequence[CommandOutcome]], None] | None = None,
    ) -> None:
        if not rt.embedded or rt.state is None:
            raise RuntimeError("in the distributed runtime processors run as faust workers")
        self._rt = rt
        self._state = rt.state
        self._decoded = decoded
        self._handed = handed
        self._on_outcomes = on_outcomes
        self._renders = RenderPool(rt)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def __aenter__(self) -> Self:
        rt = self._rt
        events = DecodedEvents()  # the decider's event envelopes, for the projectors beside it
        runners: list[_Runner] = [
            DeciderRunner(
                rt.event_log,
                self._state,
                rt.codec,
                decoded=self._decoded,
                handed=self._handed,
                events=events,
                on_outcomes=self._on_outcomes,
            ),
            *projector_runners(rt, events),
            search_runner(rt),
            RenderRunner(
                rt.event_log, self._renders.step(self._append), rt.codec, concurrency=rt.settings.render_concurrency
            ),
        ]
        for runner in runners:
            self._tasks.append(asyncio.create_task(_supervise(runner, self._stop), name=type(runner).__name__))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5)
        self._renders.shutdown()

    def alive(self) -> bool:
        """False once any processor task has died."""
        return all(not t.done() for t in self._tasks)

    async def _append(self, records: list[OutgoingRecord]) -> None:
        await self._rt.event_log.append(records)


async def _supervise(runner: _Runner, stop: asyncio.Event) -> None:
    """Restart a runner that failed while persisting, after a pause: it resumes from its last commit."""
    while not stop.is_set():
        try:
            await runner.run(stop)
        except Exception:
            log.exception("%s failed; restarting from its last commit", type(runner).__name__)
            await asyncio.sleep(1)
