"""Explicit dataclass <-> Avro-dict mapping for domain commands and events.

Domain classes never know about Avro; the payload union branch is named ``<namespace>.<ClassName>``.
Enum fields, nested dataclasses (Avro records, optional ones too) and ``tuple[X, ...]`` fields (Avro arrays) are
converted by their type hints, so a new command or event needs a dataclass and a schema branch, nothing else.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any

from tuneton.events.errors import UndecodableRecord

_AS_THEY_ARE = frozenset({str, int, float, bool, bytes, type(None)})


def to_avro(obj: Any, namespace: str) -> tuple[str, dict[str, Any]]:
    """Return the union branch name and the Avro dict for a domain dataclass."""
    return f"{namespace}.{type(obj).__name__}", _record(obj)


def from_avro(branch: tuple[str, dict[str, Any]], types_: tuple[type[Any], ...]) -> Any:
    """Rebuild the domain dataclass named by the union branch, converting enums back."""
    name, fields = branch
    cls = _by_name(types_).get(name.rsplit(".", 1)[-1])
    if cls is None:
        raise UndecodableRecord(f"no domain type for payload {name}")
    return _build(cls, fields)


@cache
def field_names(cls: type) -> tuple[str, ...]:
    """A dataclass's field names, once per class: ``dataclasses.fields`` filters them anew on each call."""
    return tuple(f.name for f in dataclasses.fields(cls))


def _record(obj: Any) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in field_names(obj.__class__)}


def _build(cls: type[Any], fields: dict[str, Any]) -> Any:
    converters = _converters(cls)
    return cls(
        **{
            key: value if convert is None or value is None else convert(value)
            for key, value in fields.items()
            if (convert := converters.get(key, _ABSENT)) is not _ABSENT
        }
    )


def _plain(value: Any) -> Any:
    if type(value) in _AS_THEY_ARE:  # most fields: ids, names, numbers; no checks to run
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _record(value)
    if isinstance(value, tuple):
        return [_plain(item) for item in value]
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_typed(item, v) for v in value)
    if _is_union(hint):
        concrete = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _typed(concrete[0], value) if len(concrete) == 1 else value
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        return _build(hint, value)
    return value


@cache
def _by_name(types: tuple[type[Any], ...]) -> dict[str, type[Any]]:
    return {t.__name__: t for t in types}


_ABSENT: Any = object()
_PLAIN = (str, int, float, bool, bytes, type(None))
Converter = typing.Callable[[Any], Any] | None
_CONVERTERS: dict[type[Any], dict[str, Converter]] = {}


def _converters(cls: type[Any]) -> dict[str, Converter]:
    """Per field of ``cls``, how to turn its Avro value into the domain value (None: as it is).

    Worked out once per class from the type hints: a rebuild decodes every event in the log, and
    re-reading the hints of each field of each event was a tenth of its time.
    """
    if cls not in _CONVERTERS:
        _CONVERTERS[cls] = {name: _converter(hint) for name, hint in typing.get_type_hints(cls).items()}
    return _CONVERTERS[cls]


def _converter(hint: Any) -> Converter:
    concrete = [a for a in typing.get_args(hint) if a is not type(None)] if _is_union(hint) else [hint]
    if all(isinstance(a, type) and issubclass(a, _PLAIN) and not issubclass(a, enum.Enum) for a in concrete):
        return None
    return lambda value: _typed(hint, value)


def _is_union(hint: Any) -> bool:
    origin = typing.get_origin(hint)
    return origin is typing.Union or origin is types.UnionType
