"""One flat row per log record: its position, the envelope as columns, the payload as JSON (pure).

Columns are the same for every topic, so one export directory is one table. Event topics fill the
envelope columns; commands fill what they share with events (aggregate id, actor, ``command_type`` as
``event_type``); every decoded record is also kept whole in ``value`` (JSON). A record that does not
decode keeps its position, ``error`` says why, and its bytes are in ``raw`` (base64).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tuneton.ports import LogRecord

COLUMNS: tuple[tuple[str, str], ...] = (  # name, type: string | int | timestamp
    ("topic", "string"),
    ("partition", "int"),
    ("offset", "int"),
    ("key", "string"),
    ("timestamp", "timestamp"),
    ("headers", "string"),
    ("event_type", "string"),
    ("aggregate_id", "string"),
    ("aggregate_version", "int"),
    ("occurred_at", "timestamp"),
    ("actor_id", "string"),
    ("event_id", "string"),
    ("correlation_id", "string"),
    ("causation_id", "string"),
    ("payload", "string"),
    ("value", "string"),
    ("error", "string"),
    ("raw", "string"),
)


def record_time(record: LogRecord) -> datetime:
    """The record's log timestamp (producer create time), in UTC."""
    return datetime.fromtimestamp(record.timestamp_ms / 1000, tz=UTC)


def headers_of(record: LogRecord) -> dict[str, str]:
    """Headers as text (tuneTON's are UTF-8; anything else is shown base64)."""
    out = {}
    for name, value in record.headers:
        try:
            out[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            out[name] = base64.b64encode(value).decode()
    return out


def row_of(record: LogRecord, decoded: Mapping[str, Any] | None, error: str | None = None) -> dict[str, Any]:
    """The row for ``record``: ``decoded`` is the codec's Avro dict, None when it failed with ``error``."""
    row: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode("utf-8", "replace") if record.key is not None else None,
        "timestamp": record_time(record),
        "headers": json.dumps(headers_of(record), sort_keys=True) if record.headers else None,
    }
    if decoded is None:
        raw = base64.b64encode(record.value).decode() if record.value is not None else None
        return {**dict.fromkeys(name for name, _ in COLUMNS), **row, "error": error, "raw": raw}
    payload = decoded.get("payload")
    if isinstance(payload, tuple):  # (record name, fields): the union branch the payload took
        payload = payload[1]
    row.update(
        event_type=decoded.get("event_type", decoded.get("command_type")),
        aggregate_id=decoded.get("aggregate_id"),
        aggregate_version=decoded.get("aggregate_version"),
        occurred_at=decoded.get("occurred_at", decoded.get("issued_at")),
        actor_id=decoded.get("actor_id"),
        event_id=decoded.get("event_id", decoded.get("command_id")),
        correlation_id=decoded.get("correlation_id"),
        causation_id=decoded.get("causation_id"),
        payload=None if payload is None else to_json(payload),
        value=to_json(decoded),
        error=None,
        raw=None,
    )
    return row


def to_json(value: Any) -> str:
    """Compact JSON; datetimes as ISO 8601, bytes as base64, Avro union tuples as [name, value]."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, tuple):
        return list(value)
    return str(value)
