"""JSON snapshots of aggregate state for the decider's state store (Faust table or SQLite).

Snapshots are an internal cache, not a contract: they can always be rebuilt by replaying the event
topics (``tuneton projections rebuild decider``), so a generic type-hint-driven mapper is enough.

The Faust host also keeps an *outbox* in the snapshot: the event records its last batch decided for
the aggregate, written in the same changelog record as the state, before the events are sent. A
worker that finds an outbox it has not seen delivered sends those records again (byte-identical
duplicates, skipped by version downstream) before deciding anything new for the aggregate. So the
state can never be ahead of the events topic, whatever Faust redelivers or skips after a crash.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import operator
import types
import typing
from base64 import b64decode, b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from tuneton.events.topics import AggregateType
from tuneton.ports import OutgoingRecord

RECENT_COMMANDS = 256  # command ids remembered per aggregate for idempotent retries


@dataclass(frozen=True, kw_only=True)
class RememberedOutcome:
    """What a processed command decided, replayed verbatim when the same command_id comes again.

    Frozen: its positional row (:attr:`row`) is computed once and reused by every later snapshot of
    the aggregate, which carries up to ``RECENT_COMMANDS`` of them.
    """

    status: str
    aggregate_version: int
    event_count: int
    reason: str | None = None
    kind: str | None = None
    message: str | None = None
    details_json: str | None = None

    @functools.cached_property
    def row(self) -> list[Any]:
        """This outcome as a positional list (snapshot form): 256 of them ride in every snapshot, so
        they stay compact, and each is built once (rebuilding them was a quarter of every dump)."""
        return [getattr(self, f.name) for f in dataclasses.fields(self)]


@dataclass(kw_only=True)
class AggregateRecord:
    """Everything the decider keeps per aggregate id.

    ``recent_rows`` mirrors ``recent`` in snapshot form (id → row), kept in step by :meth:`remember`,
    so a dump hands it to the encoder as it is instead of rebuilding 256 entries per snapshot.

    ``item_rows``: the encoded item rows of the last dump, for a host that keeps decoded records
    between batches (the embedded decider sets it to ``{}`` to opt in): the next dump re-encodes only
    the items that changed (a 300-item playlist: see ``benchmarks/snapshots.py``). ``None``, the
    default, reuses nothing — right for a host that decodes a fresh record per batch (Faust), where
    nothing could be reused and keeping rows would only cost.
    """

    version: int = 0
    state: Any = None
    recent: dict[str, RememberedOutcome] = field(default_factory=dict)
    outbox: list[OutgoingRecord] = field(default_factory=list)
    recent_rows: dict[str, list[Any]] = field(default_factory=dict, repr=False, compare=False)
    item_rows: dict[int, tuple[Any, orjson.Fragment]] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.recent_rows) != len(self.recent):  # built from ``recent`` alone
            self.recent_rows = {k: v.row for k, v in self.recent.items()}

    def remember(self, command_id: str, outcome: RememberedOutcome) -> None:
        """Record an outcome, forgetting the oldest beyond ``RECENT_COMMANDS``."""
        self.recent[command_id] = outcome
        self.recent_rows[command_id] = outcome.row
        while len(self.recent) > RECENT_COMMANDS:
            oldest = next(iter(self.recent))
            del self.recent[oldest], self.recent_rows[oldest]


_OUTCOME_FIELDS = tuple(f.name for f in dataclasses.fields(RememberedOutcome))


def copy(record: AggregateRecord) -> AggregateRecord:
    """A copy the decider may mutate without touching a cached original (state is immutable)."""
    return AggregateRecord(
        version=record.version,
        state=record.state,
        recent=dict(record.recent),
        recent_rows=dict(record.recent_rows),
        outbox=list(record.outbox),
        item_rows=record.item_rows,  # never mutated: a dump replaces it
    )


def dump(record: AggregateRecord) -> bytes:
    """Serialise a record to compact JSON bytes (and, when it reuses item rows, keep this dump's)."""
    rows = None if record.item_rows is None else _Rows(record.item_rows)
    body = {
        "version": record.version,
        "state": None if record.state is None else _plain(record.state, rows),
        "recent": record.recent_rows,
    }
    if record.outbox:
        body["outbox"] = [_outbox_row(r) for r in record.outbox]
    if rows is not None:
        record.item_rows = rows.current
    return orjson.dumps(body)  # the same compact UTF-8 JSON json.dumps wrote before, read by either


def _outbox_row(record: OutgoingRecord) -> list[Any]:
    return [
        record.topic,
        None if record.key is None else b64encode(record.key).decode(),
        None if record.value is None else b64encode(record.value).decode(),
        [[name, b64encode(value).decode()] for name, value in record.headers],
    ]


def _outbox_record(row: list[Any]) -> OutgoingRecord:
    topic, key, value, headers = row
    return OutgoingRecord(
        topic=topic,
        key=None if key is None else b64decode(key),
        value=None if value is None else b64decode(value),
        headers=tuple((name, b64decode(v)) for name, v in headers),
    )


def load(data: bytes | None, aggregate: AggregateType) -> AggregateRecord:
    """Deserialise a record; ``None`` (never seen) gives an empty record."""
    if data is None:
        return AggregateRecord()
    body = orjson.loads(data)
    state_type = _hints(aggregate.evolve)["return"]
    state = None if body["state"] is None else _typed(state_type, body["state"])
    recent = {k: RememberedOutcome(**dict(zip(_OUTCOME_FIELDS, v, strict=True))) for k, v in body["recent"].items()}
    outbox = [_outbox_record(row) for row in body.get("outbox", ())]  # absent: written before outboxes, or empty
    rows = body["recent"]  # already the snapshot form
    return AggregateRecord(version=body["version"], state=state, recent=recent, recent_rows=rows, outbox=outbox)


@functools.cache
def _hints(obj: Any) -> dict[str, Any]:
    """Resolved type hints, cached: resolving them is far slower than the conversion itself."""
    return typing.get_type_hints(obj)


@functools.cache
def _field_names(cls: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


_SCALARS = (str, int, float, bool, type(None))


@dataclass
class _Rows:
    """Encoded item rows of a record's previous dump (read) and of this dump (written)."""

    previous: dict[int, tuple[Any, orjson.Fragment]]
    current: dict[int, tuple[Any, orjson.Fragment]] = field(default_factory=dict)


def _item_rows(items: Sequence[Any], names: tuple[str, ...], rows: _Rows | None) -> list[Any]:
    """The positional row of each item (all of one dataclass with fields ``names``).

    With ``rows``, an item that was in the previous dump (the same object: state is immutable, and an
    event changes one item) reuses its encoded row, spliced in as an ``orjson.Fragment``; each entry
    holds its item, so an id cannot be reused while it is looked up.
    """
    if rows is None:
        fields = operator.attrgetter(*names) if len(names) > 1 else (lambda item: (getattr(item, names[0]),))
        return [[v if isinstance(v, _SCALARS) else _plain(v, None) for v in fields(item)] for item in items]
    out: list[Any] = []
    for item in items:
        hit = rows.previous.get(id(item))
        if hit is None or hit[0] is not item:
            hit = (item, orjson.Fragment(orjson.dumps([_plain(getattr(item, name), None) for name in names])))
        rows.current[id(item)] = hit
        out.append(hit[1])
    return out


def _plain(value: Any, rows: _Rows | None) -> Any:
    if isinstance(value, _SCALARS):  # the common case first: snapshots are mostly strings
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        first: Any = value[0] if value else None
        if first is not None and dataclasses.is_dataclass(first):
            # Rows of a collection (playlist items) go positional: a 10,000-item snapshot stays small.
            return _item_rows(value, _field_names(first.__class__), rows)
        return [_plain(v, rows) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name), rows) for name in _field_names(type(value))}
    return value


def _typed(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _typed(inner[0], value)
    if origin is tuple:
        row_type = typing.get_args(hint)[0]
        if isinstance(row_type, type) and dataclasses.is_dataclass(row_type):
            names, hints = _field_names(row_type), _hints(row_type)
            return tuple(row_type(**{n: _typed(hints[n], v) for n, v in zip(names, row, strict=True)}) for row in value)
        return tuple(_typed(row_type, v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{k: _typed(hints[k], v) for k, v in value.items()})
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
