"""What the HTTP edge itself may answer, for each operation's OpenAPI ``responses``.

Routes declare their own successes and refusals; the statuses below come from layers every route
shares (body parsing, the body limit, request validation, identity, and the gateway in front: rate and
header limits), so they are declared here once and merged into each router's ``responses``. A 422
can carry three shapes: a route's own refusal, a ``{"detail": "..."}`` problem from a dependency, or
the ``{"detail": [...]}`` of schema validation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tuneton.http_unavailable import Unavailable
from tuneton.web.validation import ValidationProblem

Responses = dict[int | str, dict[str, Any]]


class Problem(BaseModel):
    """Error body."""

    detail: str


def unprocessable(refusal: type[BaseModel] | None = None, description: str = "") -> dict[str, Any]:
    """The 422 entry: ``refusal`` (the route's own shape, if any), a problem, or a validation error."""
    model = refusal | Problem | ValidationProblem if refusal is not None else Problem | ValidationProblem
    text = "The request does not match the schema (detail is a list), or a value is refused (detail is text)."
    return {"model": model, "description": description or text}


RETRY_AFTER = {"Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer"}}}
UNAUTHORIZED: Responses = {401: {"model": Problem, "description": "No valid caller identity."}}
BAD_CONSISTENCY: Responses = {
    400: {"model": Problem, "description": "Malformed consistency token."},
    503: {
        "model": Problem | Unavailable,
        "description": "The read model did not reach the consistency token in time (a problem), or a store is "
        "away (which one); retry after Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
}
# What the layers in front of every route may answer, whatever the route: the header limit (the app's
# HeaderLimit, and the gateway's per-header buffers), the gateway's request-line limit and its rate
# limits. Merged into every router's responses once, in tuneton/server.py.
EVERY_ROUTE: Responses = {
    414: {"model": Problem, "description": "The request line (path and query) is too long for the gateway."},
    429: {
        "model": Problem,
        "description": "Too many requests from this address or this user (the gateway's rate limits); "
        "retry after Retry-After seconds.",
        "headers": RETRY_AFTER,
    },
    431: {"model": Problem, "description": "The request's headers are too large."},
}
WITH_BODY: Responses = {
    400: {"model": Problem, "description": "The body could not be parsed."},
    413: {"model": Problem, "description": "The body exceeds this operation's size limit."},
}
