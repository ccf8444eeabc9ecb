"""Who waits for which aggregate's row: read-your-writes waiters woken when a projector commits it.

A query with a consistency token waits until the projection has applied the token's version. Polling
for it quantises the wait to the poll cadence (the old 2, 4, 8 … 50 ms backoff put a projection that
landed 63 ms after the command in front of its reader at 112 ms); a waiter woken at the commit sees it
at once. The SQLite store wakes waiters after its own commits (projectors run in the serving process);
the PostgreSQL store learns of commits in other processes through LISTEN/NOTIFY. Either way a wake-up
only says "look again": the waiter re-reads the version, so a spurious or lost one costs a query or
the fallback poll, never a wrong answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

EVERY_AGGREGATE = "*"  # a notification that names no aggregate wakes every waiter of its projection
NOTIFY_CHANNEL = "tuneton_applied"
# PostgreSQL refuses NOTIFY payloads of 8,000 bytes or more: a batch that names more aggregates than
# fit wakes the whole projection instead.
NOTIFY_PAYLOAD_MAX = 7_900


class AppliedSignals:
    """Waiters by (projection, aggregate id); ``applied`` wakes those a commit concerns.

    Register with ``watch`` *before* reading the version: a commit between the read and the wait then
    still sets the event (no lost wake-up).
    """

    def __init__(self) -> None:
        self._waiters: dict[str, dict[str, set[asyncio.Event]]] = {}

    @contextmanager
    def watch(self, projection: str, aggregate_id: str) -> Iterator[asyncio.Event]:
        """An event set when ``aggregate_id``'s row of ``projection`` may have changed; gone on exit."""
        event = asyncio.Event()
        waiting = self._waiters.setdefault(projection, {}).setdefault(aggregate_id, set())
        waiting.add(event)
        try:
            yield event
        finally:
            waiting.discard(event)
            if not waiting:
                by_id = self._waiters.get(projection, {})
                if by_id.get(aggregate_id) is waiting:
                    del by_id[aggregate_id]

    def applied(self, projection: str, aggregate_ids: Iterable[str]) -> None:
        """A commit of ``projection`` touched ``aggregate_ids`` (``EVERY_AGGREGATE`` among them: all)."""
        by_id = self._waiters.get(projection)
        if not by_id:
            return
        ids = set(aggregate_ids)
        targets = list(by_id) if EVERY_AGGREGATE in ids else [i for i in ids if i in by_id]
        for aggregate_id in targets:
            for event in by_id.get(aggregate_id, ()):
                event.set()

    def wake_all(self) -> None:
        """Every waiter looks again (the source of notifications was lost: nothing may be assumed)."""
        for by_id in self._waiters.values():
            for waiting in by_id.values():
                for event in waiting:
                    event.set()

    def waiting(self) -> int:
        """How many waiters are registered (tests check that leaving forgets them)."""
        return sum(len(w) for by_id in self._waiters.values() for w in by_id.values())


def notify_payload(projection: str, aggregate_ids: Iterable[str]) -> str:
    """``projection`` then one aggregate id per line; ``*`` instead of ids when they would not fit."""
    payload = "\n".join((projection, *sorted(aggregate_ids)))
    if len(payload.encode()) > NOTIFY_PAYLOAD_MAX:
        return f"{projection}\n{EVERY_AGGREGATE}"
    return payload


def parse_payload(payload: str) -> tuple[str, list[str]]:
    """The inverse of ``notify_payload``; a payload with no ids wakes the whole projection."""
    projection, *ids = payload.split("\n")
    return projection, ids or [EVERY_AGGREGATE]
