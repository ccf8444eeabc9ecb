"""Explicit dataclass <-> Avro-dict mapping for domain commands and events.

Domain classes never know about Avro; the payload union branch is named ``<namespace>.<ClassName>``,
and enum fields are converted by their type hints, so a new command or event needs a dataclass and a
schema branch, nothing else.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from functools import cache
from typing import Any

from tuneton.events.errors import UndecodableRecord


def to_avro(obj: Any, namespace: str) -> tuple[str, dict[str, Any]]:
    """Return the union branch name and the Avro dict for a domain dataclass."""
    fields = {f.name: _plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    return f"{namespace}.{type(obj).__name__}", fields


def from_avro(branch: tuple[str, dict[str, Any]], types: tuple[type[Any], ...]) -> Any:
    """Rebuild the domain dataclass named by the union branch, converting enums back."""
    name, fields = branch
    cls = _by_name(types).get(name.rsplit(".", 1)[-1])
    if cls is None:
        raise UndecodableRecord(f"no domain type for payload {name}")
    hints = _hints(cls)
    kwargs = {key: _typed(hints[key], value) for key, value in fields.items() if key in hints}
    return cls(**kwargs)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    candidates = typing.get_args(hint) or (hint,)
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, enum.Enum):
            return candidate(value)
    return value


@cache
def _by_name(types: tuple[type[Any], ...]) -> dict[str, type[Any]]:
    return {t.__name__: t for t in types}


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]
