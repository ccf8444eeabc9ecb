"""Bounded wait for a consistency token: read-your-writes on top of asynchronous projections."""

from __future__ import annotations

import asyncio
import contextlib
import time

from tuneton.events.consistency import ConsistencyToken
from tuneton.ports import ReadStore

# Which read model reflects which aggregate type's stream.
PROJECTION_OF = {
    "playlist": "playlists",
    "user": "users",
    "track": "tracks",
    "render": "renders",
    "listening": "listening",
}
POLL_FIRST_S = 0.002  # polling (a store that cannot announce commits): 2, 4, 8 … ms
POLL_MAX_S = 0.05
# Announced commits: a waiter still reads again this often, for commits nobody announces (another
# process writing the embedded SQLite file, a notification in flight when the listener reconnected).
ANNOUNCED_RECHECK_S = 0.1


class ReadModelBehind(Exception):
    """The read model did not reach the token's version within the wait budget."""


async def wait_for(store: ReadStore, token: ConsistencyToken, *, budget_s: float) -> None:
    """Return once the projection reflects ``token``; raise ``ReadModelBehind`` after ``budget_s``.

    Where the store announces commits (``ReadStore.watch``) the waiter is woken by the commit of its
    aggregate's row instead of finding it at the next poll: a poll cadence adds up to its own length
    to every wait (measured: command→visible p99, BENCHMARKS.md "Backbone").
    """
    projection = PROJECTION_OF.get(token.aggregate_type)
    if projection is None:
        raise ReadModelBehind(f"no read model for {token.aggregate_type}")
    deadline = time.monotonic() + budget_s
    delay = POLL_FIRST_S
    while True:
        with store.watch(projection, token.aggregate_id) as committed:
            if await store.aggregate_version(projection, token.aggregate_id) >= token.version:
                return
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadModelBehind(f"{projection} has not reached version {token.version} yet")
            if committed is None:
                await asyncio.sleep(min(delay, remaining))
                delay = min(delay * 2, POLL_MAX_S)
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(ANNOUNCED_RECHECK_S, remaining)):
                    await committed.wait()
