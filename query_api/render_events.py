"""Server-Sent Events for one render's progress, by polling the read model.

Polling (every ``poll_s``) works the same on every read store (SQLite embedded, PostgreSQL
distributed) and needs no notification channel; one poll is a primary-key lookup. The first frame is
always the current state, so a reconnect (with or without ``Last-Event-ID``) simply starts over.
After that, a frame goes out whenever the status, attempt, percent or stored segment count changes;
a comment line every ``heartbeat_s`` keeps proxies from closing an idle stream. The stream ends after
the ``ready`` or ``failed`` frame, or when the client goes away.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from query_api.schemas import RenderPublic
from tuneton.domain.render.values import RenderStatus

POLL_S = 0.1
HEARTBEAT_S = 10.0
RETRY_MS = 2000
FINAL = {RenderStatus.READY: "ready", RenderStatus.FAILED: "failed"}


def frame(view: RenderPublic) -> str:
    """One SSE event: ``progress`` until the attempt ends, then ``ready`` or ``failed``; id = stream version."""
    kind = FINAL.get(view.status, "progress")
    return f"id: {view.version}\nevent: {kind}\ndata: {view.model_dump_json()}\n\n"


async def progress_frames(
    fetch: Callable[[], Awaitable[RenderPublic | None]],
    *,
    disconnected: Callable[[], Awaitable[bool]],
    poll_s: float = POLL_S,
    heartbeat_s: float = HEARTBEAT_S,
) -> AsyncIterator[str]:
    """SSE text for a render until it is ready or failed (a row that vanishes, e.g. in a rebuild, is waited for)."""
    yield f"retry: {RETRY_MS}\n\n"
    shown: tuple[object, ...] | None = None
    quiet_since = time.monotonic()
    while not await disconnected():
        view = await fetch()
        mark = None if view is None else (view.status, view.attempt, view.percent, view.segments_ready)
        if view is not None and mark != shown:
            shown, quiet_since = mark, time.monotonic()
            yield frame(view)
            if view.status in FINAL:
                return
        elif time.monotonic() - quiet_since >= heartbeat_s:
            quiet_since = time.monotonic()
            yield ": heartbeat\n\n"
        await asyncio.sleep(poll_s)
