"""Request validation errors: FastAPI's ``{"detail": [...]}`` shape, with every echoed input bounded.

FastAPI's own handler repeats each refused ``input`` verbatim (a 100 MB name came back as a 100 MB
422) and fails on values strict JSON cannot encode (``NaN``, which Python's JSON parser accepts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from tuneton.web.echo import echo


class ValidationIssue(BaseModel):
    """One refused part of the request: where (``loc``), what rule (``type``) and the (shortened) input."""

    type: str = Field(description="Pydantic's error type, e.g. missing, string_too_long, extra_forbidden.")
    loc: list[str | int] = Field(description='Where: ["body", "name"], ["query", "offset"], ...')
    msg: str
    input: Any = Field(default=None, description="The refused value, shortened; NaN and infinities as text.")
    ctx: dict[str, Any] | None = None


class ValidationProblem(BaseModel):
    """The request does not match the operation's schema (422)."""

    detail: list[ValidationIssue]


def public_issues(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The errors as the client sees them: the documented keys only, inputs and contexts echoed safely."""
    issues = []
    for error in errors:
        issue: dict[str, Any] = {
            "type": str(error.get("type", "invalid")),
            "loc": [part if isinstance(part, int) else echo(str(part)) for part in error.get("loc", ())],
            "msg": echo(str(error.get("msg", ""))),
            "input": echo(error.get("input")),
        }
        if error.get("ctx"):
            issue["ctx"] = echo(error["ctx"])
        issues.append(issue)
    return issues


async def validation_failed(_: Request, error: Exception) -> Response:
    """422 with the bounded, JSON-safe issues (registered for ``RequestValidationError``)."""
    assert isinstance(error, RequestValidationError)
    body = {"detail": public_issues(error.errors())}
    return JSONResponse(body, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
