"""The embedded runtime's processors in a process of their own (``embedded_processors = "worker"``).

One Python process runs on one core at a time: with the decider, the projectors and the HTTP edge in
the serving process, a 2-core machine leaves a core idle while commands queue. Here the serving
process (the edge) starts ``python -m processors embedded`` beside it; both open the same embedded
files, exactly as the API process and the Faust worker share Kafka and PostgreSQL: the edge appends
commands and reads the outcomes topic, the worker decides and projects. A :class:`PeerLink` carries
each side's "look again" wake-ups to the other, so neither waits for a poll.

One worker per data directory: it holds an exclusive lock on ``<data_dir>/processors.lock`` while it
runs, so a worker left over from a killed server (it stops when its link closes) is gone before a new
one decides anything. The worker stops when the serving process does (its end of the link closes),
when told to (SIGTERM), or fails; the serving process starts it again after a pause.

Commands travel over the link too (``TUNETON_EMBEDDED_HAND_OFF``, on by default): the serving process
hands each event-loop turn's command envelopes, with their encoded records, to the worker
(:meth:`EmbeddedWorker.hand_off`), whose decider decides them without decoding them again and appends
them in the same transaction as their events and outcomes (:mod:`processors.handed`), then sends the
outcomes back. Every command still lands on ``tuneton.commands`` before what it caused; the serving
process only stops writing it. A command handed to a worker that then dies may or may not have been
appended: its caller gets a retryable 503 at once (``CommandBus.abandon_handed``), and a retry with
the same key gets the outcome if it was.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import logging
import os
import pickle
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Self

from processors.handed import HandedCommands
from processors.host import EmbeddedProcessors
from tuneton.bootstrap import Runtime, build_runtime, link_embedded
from tuneton.events import topics
from tuneton.events.decoded import DecodedCommands
from tuneton.events.envelope import CommandEnvelope, CommandOutcome
from tuneton.peer_link import COMMANDS, OUTCOMES, READY, PeerLink, packed, unpacked
from tuneton.ports import LocalEventLog
from tuneton.settings import Settings

log = logging.getLogger(__name__)

LOCK_FILE = "processors.lock"
READY_TIMEOUT_S = 120.0  # first start: topics, tables, the render pool
RESTART_PAUSE_S = 1.0  # the first pause before starting a dead worker again; doubled per quick death
RESTART_PAUSE_MAX_S = 30.0
HEALTHY_AFTER_S = 60.0  # a worker that ran this long died of something new: start again at once-ish
STOP_TIMEOUT_S = 15.0


def restart_pause(previous_s: float | None, ran_s: float) -> float:
    """The pause before starting a worker that died after running ``ran_s`` seconds.

    A worker that dies at every start (a corrupt file, a bug its first batch trips) must not be
    started again every second forever: each quick death doubles the pause, up to 30 s. One that
    ran for a minute or more starts the count again.
    """
    if previous_s is None or ran_s >= HEALTHY_AFTER_S:
        return RESTART_PAUSE_S
    return min(previous_s * 2, RESTART_PAUSE_MAX_S)


class EmbeddedWorker:
    """The serving process's side: start the worker, restart it if it dies, stop it on exit."""

    def __init__(
        self,
        rt: Runtime,
        *,
        on_outcomes: Callable[[Sequence[CommandOutcome]], None] | None = None,
        on_gone: Callable[[], None] | None = None,
    ) -> None:
        self._rt = rt
        self._on_outcomes = on_outcomes  # the worker's verdicts, sent back over the link
        self._on_gone = on_gone  # the worker died: what was handed to it may be lost
        self._process: asyncio.subprocess.Process | None = None
        self._link: PeerLink | None = None
        self._ready: asyncio.Event = asyncio.Event()
        self._stopping = False
        self._watch: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        await self._start()
        try:
            await self._until_ready()
        except BaseException:
            await self._stop()
            raise
        self._watch = asyncio.create_task(self._restart_when_gone(), name="embedded-worker-watch")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        await self._stop()

    def alive(self) -> bool:
        """Whether the worker runs and has said its processors are up (``/readyz``)."""
        return self._process is not None and self._process.returncode is None and self._ready.is_set()

    async def hand_off(self, envelopes: list[tuple[CommandEnvelope, bytes]]) -> int:
        """Hand ``envelopes`` (each with its record's encoded value) to the worker's decider; how many
        of them, from the first, it was sent.

        Zero while the worker is not up; fewer than all when the link closed midway or an envelope is
        too big for a message. The caller appends the rest to the log itself.
        """
        link = self._link
        if link is None or not self.alive():
            return 0
        taken = 0
        for count, body in packed(envelopes):
            if not await link.deliver(COMMANDS, body):
                break
            taken += count
        return taken

    async def _start(self) -> None:
        link, theirs = PeerLink.pair()
        self._ready = asyncio.Event()
        ready = self._ready
        link.on(READY, lambda _: ready.set())
        on_outcomes = self._on_outcomes
        if on_outcomes is not None:
            link.on(OUTCOMES, lambda body: on_outcomes(unpacked(body)))
        link_embedded(self._rt, link)
        link.start()
        self._link = link
        try:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "processors",
                "embedded",
                "--link-fd",
                str(theirs.fileno()),
                stdin=asyncio.subprocess.PIPE,
                pass_fds=(theirs.fileno(),),
            )
        finally:
            theirs.close()
        assert self._process.stdin is not None
        self._process.stdin.write(pickle.dumps(self._rt.settings))  # CLI options included, secrets not on argv
        await self._process.stdin.drain()
        self._process.stdin.close()

    async def _until_ready(self) -> None:
        assert self._process is not None
        exited = asyncio.ensure_future(self._process.wait())
        ready = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait({exited, ready}, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED)
        finally:
            exited.cancel()
            ready.cancel()
        if not self._ready.is_set():
            code = self._process.returncode
            raise RuntimeError(f"the embedded worker did not start (exit code {code})")

    async def _restart_when_gone(self) -> None:
        pause: float | None = None
        started = time.monotonic()
        while not self._stopping:
            assert self._process is not None
            code = await self._process.wait()
            if self._stopping:
                return
            if self._on_gone is not None:
                self._on_gone()
            pause = restart_pause(pause, time.monotonic() - started)
            log.error("embedded worker exited (code %s); starting it again in %.0f s", code, pause)
            if self._link is not None:
                self._link.close()
            await asyncio.sleep(pause)
            started = time.monotonic()
            try:
                await self._start()
            except Exception:
                log.exception("embedded worker could not be started")

    async def _stop(self) -> None:
        process, link = self._process, self._link
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if link is not None:
            link.close()


def _send_outcomes(link: PeerLink, outcomes: Sequence[CommandOutcome]) -> None:
    """A batch's verdicts to the serving process; one that cannot go now is found in the log instead."""
    for _, body in packed(list(outcomes)):
        link.send_whole(OUTCOMES, body)


class ProcessorsBusy(RuntimeError):
    """Another process runs the processors of this data directory (a ``tuneton serve`` on it)."""


@contextlib.contextmanager
def _lock_file(path: Path) -> Iterator[int]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield fd
    finally:
        os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def processors_lock(data_dir: Path) -> Iterator[None]:
    """Hold ``data_dir``'s processors lock, or raise :class:`ProcessorsBusy` at once.

    For processors run inside a command-line process (``tuneton demo``, ``tuneton catalog import``):
    beside a running server they would be a second decider on the same log, so they refuse instead.
    """
    path = data_dir / LOCK_FILE
    with _lock_file(path) as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            msg = f"another process runs the processors of {data_dir} (tuneton serve?): stop it, or use its API"
            raise ProcessorsBusy(msg) from None
        yield


@contextlib.asynccontextmanager
async def _exclusive(path: Path) -> AsyncIterator[None]:
    """Hold an exclusive lock on ``path``, waiting for a previous holder to exit (a worker left over
    from a killed server stops when its link closes)."""
    with _lock_file(path) as fd:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("another embedded worker holds %s (a server on the same data directory?); waiting", path)
            await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        yield


async def run(settings: Settings, link_fd: int) -> None:
    """The worker: the processors of ``settings``' data directory until the link closes or SIGTERM."""
    link = PeerLink.from_fd(link_fd)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    link.start()
    async with _exclusive(settings.data_dir / LOCK_FILE):
        rt = build_runtime(settings)
        async with rt:
            link_embedded(rt, link)
            decoded = DecodedCommands()  # for handed commands that had to be appended first after all
            local = rt.event_log
            if not isinstance(local, LocalEventLog):
                raise TypeError("the embedded worker runs on the embedded event log")
            handed = HandedCommands(functools.partial(local.wake, frozenset({topics.COMMANDS})))
            link.on(COMMANDS, handed.arrived)
            outcomes = functools.partial(_send_outcomes, link)
            async with EmbeddedProcessors(rt, decoded=decoded, handed=handed, on_outcomes=outcomes) as processors:
                link.send(READY)
                gone = asyncio.ensure_future(link.closed())
                stopped = asyncio.ensure_future(stop.wait())
                while not (gone.done() or stopped.done()):
                    await asyncio.wait({gone, stopped}, timeout=1.0)
                    if not processors.alive():
                        raise RuntimeError("a processor task died")
                gone.cancel()
                stopped.cancel()
    link.close()


def read_settings() -> Settings:
    """The serving process's settings, pickled on standard input (they may hold secrets)."""
    settings = pickle.loads(sys.stdin.buffer.read())  # noqa: S301 - our own parent wrote it
    if not isinstance(settings, Settings):
        raise TypeError("expected the serving process's Settings on stdin")
    return settings
