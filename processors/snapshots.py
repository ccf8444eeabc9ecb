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

from tuneton.events.envelope import OutcomeStatus
from tuneton.events.mapping import field_names
from tuneton.events.topics import AggregateType
from tuneton.ports import OutgoingRecord

RECENT_COMMANDS = 256  # command ids remembered per aggregate for idempotent retries
# The largest snapshot record the Kafka worker may write, and its changelog topics accept (topics.yaml):
# Kafka's default, 1 MB, was less than a long playlist's snapshot (tests/unit/test_snapshot_bound.py).
RECORD_LIMIT = 8 * 1024 * 1024
# The encoded item array of a record's last dump per row type, with the items it encodes (``_item_rows``).
ItemArrays = dict[type[Any], tuple[tuple[Any, ...], bytes]]
ACCEPTED: str = OutcomeStatus.ACCEPTED.value  # the status a remembered outcome's short row implies


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
        they stay compact, and each is built once (rebuilding them was a quarter of every dump).

        An acceptance, nearly every row, is only ``[aggregate_version, event_count]``: its status is
        implied and its other fields are empty. Those 30 bytes less per row were 8 KB of each
        snapshot of a busy aggregate, written to the state store once per batch (≈ 2.7 µs per KB on
        SQLite). Any other outcome keeps every field; :func:`remembered` reads both forms.
        """
        if self.status == ACCEPTED and self.reason is self.kind is self.message is self.details_json is None:
            return [self.aggregate_version, self.event_count]
        return [getattr(self, f.name) for f in dataclasses.fields(self)]


@dataclass(kw_only=True)
class AggregateRecord:
    """Everything the decider keeps per aggregate id.

    ``recent_rows`` mirrors ``recent`` in snapshot form (id → row), kept in step by :meth:`remember`,
    so a dump hands it to the encoder as it is instead of rebuilding 256 entries per snapshot.

    ``item_rows``: the encoded item array of the last dump, for a host that keeps decoded records
    between batches (the embedded decider sets it to ``{}`` to opt in): the next dump encodes only the
    items appended since (a 300-item playlist: see ``benchmarks/snapshots.py``). ``None``, the
    default, reuses nothing — right for a host that decodes a fresh record per batch (Faust), where
    nothing could be reused and keeping rows would only cost.
    """

    version: int = 0
    state: Any = None
    recent: dict[str, RememberedOutcome] = field(default_factory=dict)
    outbox: list[OutgoingRecord] = field(default_factory=list)
    recent_rows: dict[str, list[Any]] = field(default_factory=dict, repr=False, compare=False)
    item_rows: ItemArrays | None = field(default=None, repr=False, compare=False)

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


def remembered(row: list[Any]) -> RememberedOutcome:
    """The outcome a snapshot row stands for: an acceptance's short row, or every field in order."""
    if len(row) == 2:
        return RememberedOutcome(status=ACCEPTED, aggregate_version=row[0], event_count=row[1])
    return RememberedOutcome(**dict(zip(_OUTCOME_FIELDS, row, strict=True)))


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
    recent = {k: remembered(v) for k, v in body["recent"].items()}
    outbox = [_outbox_record(row) for row in body.get("outbox", ())]  # absent: written before outboxes, or empty
    rows = body["recent"]  # already the snapshot form
    return AggregateRecord(version=body["version"], state=state, recent=recent, recent_rows=rows, outbox=outbox)


@functools.cache
def _hints(obj: Any) -> dict[str, Any]:
    """Resolved type hints, cached: resolving them is far slower than the conversion itself."""
    return typing.get_type_hints(obj)


_SCALARS = (str, int, float, bool, type(None))


@dataclass
class _Rows:
    """The encoded item array of a record's previous dump (read) and of this dump (written), by row type."""

    previous: ItemArrays
    current: ItemArrays = field(default_factory=dict)


def _encoded_rows(items: Sequence[Any], names: tuple[str, ...]) -> list[list[Any]]:
    """The positional row of each item (all of one dataclass with fields ``names``)."""
    fields = operator.attrgetter(*names) if len(names) > 1 else (lambda item: (getattr(item, names[0]),))
    return [[v if isinstance(v, _SCALARS) else _plain(v, None) for v in fields(item)] for item in items]


def _item_rows(items: Sequence[Any], names: tuple[str, ...], rows: _Rows | None) -> list[Any] | orjson.Fragment:
    """The items' rows; with ``rows``, the whole array as an ``orjson.Fragment`` that reuses the previous dump's.

    Adding a track appends an item, so the previous dump's items are usually the first ones of this
    dump, the very same objects (state is immutable): their encoded array is extended by the new rows
    (a byte splice, no per-item work). Anything else (a move, a removal) encodes the array afresh.
    Measured with ``benchmarks/snapshots.py``. One array is kept per row type: a state with two
    collections of one type would only miss the short cut, never mix them up, since each array holds
    the items it encodes (so their ids cannot be reused while they are compared).
    """
    if rows is None:
        return _encoded_rows(items, names)
    row_type = type(items[0])
    kept = rows.previous.get(row_type)
    if kept is not None and _extends(items, kept[0]):
        start = len(kept[0])
        body = kept[1]
        if start < len(items):  # "[…kept rows" + "," + "new rows…]"
            body = body[:-1] + b"," + orjson.dumps(_encoded_rows(items[start:], names))[1:]
    else:
        body = orjson.dumps(_encoded_rows(items, names))
    rows.current[row_type] = (tuple(items), body)
    return orjson.Fragment(body)


def _extends(items: Sequence[Any], previous: tuple[Any, ...]) -> bool:
    """Whether ``items`` begins with exactly the objects of ``previous`` (a non-empty array)."""
    n = len(previous)
    return 0 < n <= len(items) and items[n - 1] is previous[n - 1] and all(map(operator.is_, items[:n], previous))


def _plain(value: Any, rows: _Rows | None) -> Any:
    if isinstance(value, _SCALARS):  # the common case first: snapshots are mostly strings
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        first: Any = value[0] if value else None
        if first is not None and dataclasses.is_dataclass(first):
            # Rows of a collection (playlist items) go positional: a 10,000-item snapshot stays small.
            return _item_rows(value, field_names(first.__class__), rows)
        return [_plain(v, rows) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name), rows) for name in field_names(type(value))}
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
            names, hints = field_names(row_type), _hints(row_type)
            return tuple(row_type(**{n: _typed(hints[n], v) for n, v in zip(names, row, strict=True)}) for row in value)
        return tuple(_typed(row_type, v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        return hint(**{k: _typed(hints[k], v) for k, v in value.items()})
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint(value)
    return value
