"""The per-user cap on concurrent streams, over HTTP: admission of audio bodies, the 429 and its contract.

Audio routes (a track's ``audio/{stream|original}``, a render's ``init.mp4``, segments and
``render.mp3``) take a :data:`StreamAdmission`; ``serve_blob`` calls it only when it is about to
send a body (GET answered 200/206 here, or handed to the gateway or the object store), so HEAD,
304 and 416 never take a slot. The stream is (the media viewer, the signed prefix): the user a signed
URL was minted for, else the identity header's (:mod:`query_api.stream_slots` explains the lease).

One gate per API process (``app.state.stream_gate``): exact for one process. Several replicas, and
the bodies nginx sends itself (``x-accel``), are bounded by the gateway too (docs/gateway-and-media.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Literal

from fastapi import Depends, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from query_api.media_links import MediaViewer, media_prefix
from query_api.stream_slots import Slot, StreamGate, TooManyStreams
from tuneton.observability import metrics
from tuneton.web.responses import Problem

Admit = Callable[[], Slot]


class TooManyStreamsProblem(BaseModel):
    """Body of a 429 on an audio route: the caller already plays ``limit`` other streams."""

    reason: Literal["too_many_streams"] = "too_many_streams"
    message: str
    limit: int
    active: int
    retry_after_s: int


# Two refusals share the status on audio routes: too many streams (the API's cap, and the gateway's
# limit on open audio requests: TooManyStreamsProblem) and too many requests (the gateway's rate limit,
# the Problem of every route: infra/gateway/nginx.conf.template @rate_limited). Both are documented.
TOO_MANY_STREAMS: dict[int | str, dict[str, Any]] = {
    status.HTTP_429_TOO_MANY_REQUESTS: {
        "model": TooManyStreamsProblem | Problem,
        "description": "The user already plays max_streams_per_user other tracks or renders, or has too many "
        "audio requests open at the gateway (docs/gateway-and-media.md): a TooManyStreamsProblem; retry after "
        "Retry-After seconds, or stop another stream. Or too many requests from this address (the gateway's "
        "rate limit): a Problem whose detail starts with rate_limited.",
        "headers": {"Retry-After": {"description": "seconds until a slot may free", "schema": {"type": "integer"}}},
    }
}


def stream_gate(limit: int, linger_s: float) -> StreamGate:
    """The process's gate (``max_streams_per_user``, ``stream_linger_s``), on the monotonic clock."""
    return StreamGate(limit=limit, linger_s=linger_s, clock=time.monotonic)


def too_many_streams(refused: TooManyStreams) -> JSONResponse:
    """429 with ``Retry-After``; never cached (the next try may well succeed)."""
    metrics.STREAMS_REFUSED.inc()
    body = TooManyStreamsProblem(
        message=str(refused), limit=refused.limit, active=refused.active, retry_after_s=refused.retry_after_s
    )
    headers = {"Retry-After": str(refused.retry_after_s), "Cache-Control": "no-store"}
    return JSONResponse(body.model_dump(), status_code=status.HTTP_429_TOO_MANY_REQUESTS, headers=headers)


async def stream_admission(request: Request, user: MediaViewer) -> Admit:
    """Opens a slot of this request's stream for its viewer when called (nothing is counted before)."""
    gate: StreamGate = request.app.state.stream_gate
    return partial(gate.open, user, media_prefix(request))


StreamAdmission = Annotated[Admit, Depends(stream_admission)]
