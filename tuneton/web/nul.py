"""U+0000 in request text: refused at the edge with the validation 422, on both runtimes.

PostgreSQL text cannot hold NUL: psycopg refuses such a parameter, so an id with one was a 500 on the
Kafka runtime's lookups (found by schemathesis through the gateway), and an event carrying one in a
field no decider checks (a device id, say) would stop the PostgreSQL projector that writes it, retrying
forever. SQLite stores it, so the embedded runtime answered differently. No client needs NUL in a name
or an id; refusing it before anything is decided keeps both runtimes and every store alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
_ISSUE = {"type": "string_nul", "msg": "NUL characters (U+0000) are not allowed"}


async def refuse_nul(request: Request) -> None:
    """A route dependency: 422 if a path or query parameter or a JSON body string holds U+0000."""
    issues = [
        {**_ISSUE, "loc": [where, name], "input": value}
        for where, params in (("path", request.path_params), ("query", request.query_params))
        for name, value in params.items()
        if NUL in str(value) or NUL in name
    ]
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()  # cached: the route reads it again without another receive
        if b"\x00" in body or b"u0000" in body.lower():  # cheap test first: parse only a likely one
            issues += [{**_ISSUE, "loc": ["body", *path], "input": text} for path, text in _nul_strings(body)]
    if issues:
        raise RequestValidationError(issues)


def _nul_strings(body: bytes) -> Iterator[tuple[list[str | int], str]]:
    try:
        document = json.loads(body)
    except ValueError:
        return  # not JSON: the route's own validation answers it
    yield from _walk(document, [])


def _walk(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(value, str):
        if NUL in value:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in key:
                yield [*path, key], key
            yield from _walk(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, [*path, index])
