"""The "look again" signals between the serving process and its embedded worker process.

The embedded files (event log, read models) are shared by two processes when the processors run in
a worker of their own (``embedded_processors = "worker"``). Each process wakes its own waiters after
its own commits; this link carries the same wake-ups to the other process, so a command appended by
the edge reaches the decider, and the decider's verdict and the projector's commit reach the edge,
without waiting for a poll. Like the in-process wake-ups, a signal only says "look again": a lost one
costs the poll interval, never a wrong answer.

Written by hand: a connected pair of ``SOCK_SEQPACKET`` Unix sockets (one message per signal, in
order, and an end-of-file when the other process is gone) read by the event loop's ``add_reader``.
No library offers less; multiprocessing's pipes block and need a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

log = logging.getLogger(__name__)

LOG_APPENDED = b"L"  # + topic names, one per line: the event log grew
APPLIED = b"A"  # + a read-model notification payload (``tuneton.adapters.sql.applied.notify_payload``)
READY = b"R"  # the worker's processors are running
COMMANDS = b"C"  # + pickled command envelopes the edge hands to the worker's decider (``packed``)
OUTCOMES = b"O"  # + pickled outcomes of the worker's decider, for the edge's waiting callers
MAX_MESSAGE = 64 * 1024


class PeerLink:
    """One end of the link; ``on`` registers what a kind of signal does here."""

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(False)
        self._sock = sock
        self._handlers: dict[bytes, Callable[[bytes], None]] = {}
        self._closed = asyncio.Event()
        self._reading = False

    @classmethod
    def pair(cls) -> tuple[PeerLink, socket.socket]:
        """This process's end, and the socket to hand to the worker (``pass_fds``)."""
        here, there = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        there.set_inheritable(True)
        return cls(here), there

    @classmethod
    def from_fd(cls, fd: int) -> PeerLink:
        """The worker's end, from the inherited descriptor."""
        return cls(socket.socket(fileno=fd))

    def on(self, kind: bytes, handler: Callable[[bytes], None]) -> None:
        """Call ``handler(body)`` for every signal of ``kind`` from the other process."""
        self._handlers[kind] = handler

    def start(self) -> None:
        """Read signals on the running loop."""
        asyncio.get_running_loop().add_reader(self._sock.fileno(), self._readable)
        self._reading = True

    async def closed(self) -> None:
        """Return when the other process has gone (its end closed: it exited or was killed)."""
        await self._closed.wait()

    def send(self, kind: bytes, body: bytes = b"") -> None:
        """Signal the other process; dropped (with a warning) when it cannot take it now."""
        if self._closed.is_set():
            return
        try:
            self._sock.send(kind + body[: MAX_MESSAGE - 1])
        except BlockingIOError:  # its queue is full: it is not reading; a poll will find the change
            log.warning("peer link full; a %r signal was dropped", kind)
        except OSError:  # the other process is gone
            self._closed.set()

    def send_whole(self, kind: bytes, body: bytes) -> bool:
        """Send one message whole now, or say it could not: too big, the other side's queue full, gone."""
        if self._closed.is_set() or len(body) >= MAX_MESSAGE:
            return False
        try:
            self._sock.send(kind + body)
        except BlockingIOError:
            return False
        except OSError:
            self._closed.set()
            return False
        return True

    async def deliver(self, kind: bytes, body: bytes) -> bool:
        """Send one message whole, waiting while the other side's queue is full; ``False`` if it cannot."""
        if self._closed.is_set() or len(body) >= MAX_MESSAGE:
            return False
        try:
            await asyncio.get_running_loop().sock_sendall(self._sock, kind + body)
        except OSError:
            self._closed.set()
            return False
        return True

    def topics_appended(self, topics: Iterable[str]) -> None:
        """The log grew in these topics."""
        self.send(LOG_APPENDED, "\n".join(sorted(topics)).encode())

    def close(self) -> None:
        """Stop reading and close this end (the other process sees end-of-file)."""
        if self._reading:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._sock.fileno())
            self._reading = False
        self._sock.close()
        self._closed.set()

    def _readable(self) -> None:
        while True:
            try:
                message = self._sock.recv(MAX_MESSAGE)
            except BlockingIOError:
                return
            except OSError:
                message = b""
            if not message:  # end-of-file: the other process is gone
                with contextlib.suppress(Exception):
                    asyncio.get_running_loop().remove_reader(self._sock.fileno())
                self._reading = False
                self._closed.set()
                return
            handler = self._handlers.get(message[:1])
            if handler is not None:
                try:
                    handler(message[1:])
                except Exception:  # a bad signal must not stop the link
                    log.exception("peer signal %r failed", message[:1])


def packed(items: Sequence[object]) -> Iterator[tuple[int, bytes]]:
    """``items`` pickled in as few messages as fit, in order: (how many items, the message body).

    An item too big for a message on its own ends the messages there (the caller deals with it and
    everything after it another way). Pickle, because both ends are this program: the serving
    process and the worker it started, on a socket pair nobody else holds.
    """
    start = 0
    while start < len(items):
        count = len(items) - start
        while True:
            body = pickle.dumps(list(items[start : start + count]), protocol=pickle.HIGHEST_PROTOCOL)
            if len(body) < MAX_MESSAGE:
                break
            if count == 1:
                return
            count //= 2
        yield count, body
        start += count


def unpacked(body: bytes) -> list[Any]:
    """The items of one ``packed`` message."""
    items = pickle.loads(body)  # noqa: S301 - our own other process wrote it
    if not isinstance(items, list):
        raise TypeError("expected a pickled list")
    return items
