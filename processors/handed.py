"""Commands the serving process handed to the embedded worker, waiting for its decider.

The worker's decider takes them from here rather than from the log: it decides a batch of them and
appends the commands themselves in the same SQLite transaction as their events, outcomes, snapshots
and its own offsets (``DeciderRunner``, ``EmbeddedEventLog.transact``'s ``consumed``). One commit per
batch instead of two, and no reading back of records this process holds already. The commands still
land on ``tuneton.commands`` at the positions the decider consumed them at, before anything they
caused, so the log reads exactly as if they had been appended first and then consumed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

from tuneton.events.envelope import CommandEnvelope
from tuneton.peer_link import unpacked

Handed = tuple[CommandEnvelope, bytes]  # an envelope and its encoded ``tuneton.commands`` value


class HandedCommands:
    """A queue of handed commands, in the order the serving process sent them."""

    def __init__(self, wake: Callable[[], None]) -> None:
        self._waiting: deque[Handed] = deque()
        self._wake = wake  # tells the decider, which waits for appends to the commands topic

    def arrived(self, body: bytes) -> None:
        """A link message of envelopes (its handler)."""
        self._waiting.extend(unpacked(body))
        self._wake()

    def take(self, limit: int) -> list[Handed]:
        """Up to ``limit`` of the oldest, removed from the queue."""
        count = min(limit, len(self._waiting))
        return [self._waiting.popleft() for _ in range(count)]

    def __len__(self) -> int:
        return len(self._waiting)
