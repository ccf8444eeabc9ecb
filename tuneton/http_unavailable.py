"""HTTP side of :class:`StoreUnavailable`: one handler and one OpenAPI entry for both APIs.

A store that cannot be reached is the server's transient trouble, never the client's fault and never
a bare 500: the answer is 503 with ``Retry-After`` (seconds). Commands are retried with the same
Idempotency-Key, so a retry after the store is back takes effect exactly once.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from tuneton.availability import StoreUnavailable


class Unavailable(BaseModel):
    """Body of a 503: which store is away; retry after the ``Retry-After`` header's seconds."""

    reason: str = "unavailable"
    store: str
    message: str


UNAVAILABLE_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": Unavailable,
        "description": "A store (read models, blobs, search) or the read model is not available yet; "
        "retry after Retry-After seconds (commands: with the same Idempotency-Key).",
        "headers": {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}},
    }
}


async def store_unavailable(_: Request, error: Exception) -> Response:
    """503 + Retry-After for a StoreUnavailable raised anywhere below a route."""
    assert isinstance(error, StoreUnavailable)
    body = Unavailable(store=error.store, message=str(error))
    return JSONResponse(
        body.model_dump(),
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(error.retry_after_s)},
    )
