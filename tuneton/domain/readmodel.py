"""The vocabulary projections speak: row operations and the event metadata they may use.

Pure data, so projections stay pure functions of (event, metadata) -> row operations; read stores
(SQLite, PostgreSQL) apply them in one transaction together with the projector's checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, kw_only=True)
class EventMeta:
    """Envelope facts a projection may record (who, when, which version)."""

    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    actor_id: str | None


@dataclass(frozen=True, kw_only=True)
class Upsert:
    """Insert or replace one read-model row identified by ``key`` columns."""

    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Update:
    """Change columns of the rows matching ``key``; nothing happens when none match."""

    table: str
    key: Mapping[str, Any]
    values: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class Delete:
    """Delete the rows matching ``key``."""

    table: str
    key: Mapping[str, Any]


RowOp = Upsert | Update | Delete
