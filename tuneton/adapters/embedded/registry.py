"""The embedded schema registry: Confluent's subject/version/id model in the event log's SQLite file.

Schema ids are global and stable, so records in the embedded log carry the same wire-format header
shape a Confluent-API registry would give them.
"""

from __future__ import annotations

import json
import sqlite3

from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.events.compatibility import IncompatibleSchema, backward_problems
from tuneton.ports import SchemaRegistry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schemas (
    id INTEGER PRIMARY KEY AUTOINCREMENT, subject TEXT NOT NULL, version INTEGER NOT NULL,
    schema TEXT NOT NULL, canonical TEXT NOT NULL, UNIQUE (subject, version), UNIQUE (subject, canonical));
"""


class EmbeddedSchemaRegistry(SchemaRegistry):
    """Registers schemas in ``events.db``; a new version must be backward compatible (the default)."""

    def __init__(self, log: EmbeddedEventLog) -> None:
        self._log = log
        self._ready = False

    async def register(self, subject: str, schema_json: str) -> int:
        """Idempotent per (subject, canonical schema); refuses a backward-incompatible new version."""
        conn = self._ensure()
        canonical = _canonical(schema_json)
        row = conn.execute(
            "SELECT id FROM schemas WHERE subject = ? AND canonical = ?", (subject, canonical)
        ).fetchone()
        if row is not None:
            return int(row[0])
        latest = conn.execute(
            "SELECT version, schema FROM schemas WHERE subject = ? ORDER BY version DESC LIMIT 1", (subject,)
        ).fetchone()
        if latest is not None:
            problems = backward_problems(json.loads(schema_json), json.loads(latest[1]))
            if problems:
                raise IncompatibleSchema(subject, problems)
        version = 1 if latest is None else int(latest[0]) + 1
        cursor = conn.execute(
            "INSERT INTO schemas (subject, version, schema, canonical) VALUES (?, ?, ?, ?)",
            (subject, version, schema_json, canonical),
        )
        return int(cursor.lastrowid or 0)

    async def schema_by_id(self, schema_id: int) -> str:
        """The schema text for a global id."""
        row = self._ensure().execute("SELECT schema FROM schemas WHERE id = ?", (schema_id,)).fetchone()
        if row is None:
            raise LookupError(f"schema id {schema_id} not found")
        return str(row[0])

    def _ensure(self) -> sqlite3.Connection:
        conn = self._log.conn
        if not self._ready:
            conn.executescript(_SCHEMA)
            self._ready = True
        return conn


def _canonical(schema_json: str) -> str:
    return json.dumps(json.loads(schema_json), sort_keys=True, separators=(",", ":"))
