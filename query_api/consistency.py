"""Bounded wait for a consistency token: read-your-writes on top of asynchronous projections."""

from __future__ import annotations

import asyncio
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


class ReadModelBehind(Exception):
    """The read model did not reach the token's version within the wait budget."""


async def wait_for(store: ReadStore, token: ConsistencyToken, *, budget_s: float) -> None:
    """Return once the projection reflects ``token``; raise ``ReadModelBehind`` after ``budget_s``."""
    projection = PROJECTION_OF.get(token.aggregate_type)
    if projection is None:
        raise ReadModelBehind(f"no read model for {token.aggregate_type}")
    deadline = time.monotonic() + budget_s
    delay = 0.002
    while await store.aggregate_version(projection, token.aggregate_id) < token.version:
        if time.monotonic() >= deadline:
            raise ReadModelBehind(f"{projection} has not reached version {token.version} yet")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)
