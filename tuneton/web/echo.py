"""Echo a client's input back in an error body: always encodable as JSON, never large.

A 422 that repeats a 100 MB string is a 100 MB answer, and a NaN or a 400-digit integer in it is a
value strict JSON cannot carry (``json.dumps(..., allow_nan=False)`` raises, so the error became a 500).
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Mapping
from typing import Any

MAX_TEXT = 120  # characters of a string kept in an echo
MAX_ITEMS = 8  # elements of a list or members of an object kept in an echo
MAX_DEPTH = 3  # nesting kept in an echo
MAX_INT = 2**63 - 1  # larger integers are echoed as shortened text (JSON parsers lose them anyway)
ELLIPSIS = "…"

_REPR = reprlib.Repr()
_REPR.maxlong, _REPR.maxstring, _REPR.maxother = 40, MAX_TEXT, MAX_TEXT


def echo(value: object, *, depth: int = MAX_DEPTH) -> Any:
    """A bounded, JSON-safe copy of ``value`` (shortened strings, lists and objects; odd numbers as text)."""
    result: Any
    if value is None or isinstance(value, bool):
        result = value
    elif isinstance(value, int):
        result = value if abs(value) <= MAX_INT else _REPR.repr(value)
    elif isinstance(value, float):
        result = value if math.isfinite(value) else repr(value)
    elif isinstance(value, str):
        result = _encodable(value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + ELLIPSIS)
    elif isinstance(value, bytes | bytearray):
        result = echo(bytes(value[: MAX_TEXT * 4]).decode("utf-8", "replace"), depth=depth)
    elif isinstance(value, Mapping):
        result = _echo_mapping(value, depth) if depth > 0 else "{" + ELLIPSIS + "}"
    elif isinstance(value, list | tuple | set | frozenset):
        result = _echo_sequence(list(value), depth) if depth > 0 else "[" + ELLIPSIS + "]"
    else:
        result = _REPR.repr(value) if not isinstance(value, Exception) else echo(str(value), depth=depth)
    return result


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (valid in a JSON string, not in UTF-8) spelled as ``\\udXXX``."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode("utf-8")


def _echo_mapping(value: Mapping[Any, Any], depth: int) -> dict[str, Any]:
    shown = {echo(str(k)): echo(v, depth=depth - 1) for k, v in list(value.items())[:MAX_ITEMS]}
    if len(value) > MAX_ITEMS:
        shown[ELLIPSIS] = f"{len(value) - MAX_ITEMS} more"
    return shown


def _echo_sequence(value: list[Any], depth: int) -> list[Any]:
    shown = [echo(item, depth=depth - 1) for item in value[:MAX_ITEMS]]
    if len(value) > MAX_ITEMS:
        shown.append(f"{ELLIPSIS} {len(value) - MAX_ITEMS} more")
    return shown
