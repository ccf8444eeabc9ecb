"""Turn row operations and checkpoints into parameterised SQL for either dialect.

Table and column names come from our own projections (never from requests); values are always bound
parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from tuneton.ports import Delete, RowOp, Update, Upsert

BOOKKEEPING_DDL = """
CREATE TABLE IF NOT EXISTS projection_positions (
    projection TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset BIGINT NOT NULL,
    PRIMARY KEY (projection, topic, partition));
CREATE TABLE IF NOT EXISTS projection_versions (
    projection TEXT NOT NULL, aggregate_id TEXT NOT NULL, version BIGINT NOT NULL,
    PRIMARY KEY (projection, aggregate_id));
"""

_NAMED = re.compile(r"(?<!:):([A-Za-z_][A-Za-z0-9_]*)")


@dataclass(frozen=True)
class Dialect:
    """How a database spells a bound parameter."""

    name: str

    def param(self, name: str) -> str:
        """Placeholder for the named parameter ``name``."""
        return f":{name}" if self.name == "sqlite" else f"%({name})s"

    def translate(self, sql: str) -> str:
        """Rewrite ``:name`` placeholders into this dialect's.

        For psycopg a literal ``%`` (``LIKE 'a%'``) is doubled first: with parameters, psycopg reads
        every ``%`` as the start of a placeholder.
        """
        return sql if self.name == "sqlite" else _psycopg_placeholders(sql)


@lru_cache(maxsize=1024)  # the queries are our own constants, and the regex was 7 % of a one-row read
def _psycopg_placeholders(sql: str) -> str:
    return _NAMED.sub(r"%(\1)s", sql.replace("%", "%%"))


SQLITE = Dialect("sqlite")
POSTGRES = Dialect("postgres")


def statement(op: RowOp, dialect: Dialect) -> tuple[str, dict[str, Any]]:
    """SQL and parameters for one row operation."""
    match op:
        case Upsert():
            return _upsert_sql(op.table, tuple(op.key), tuple(op.values), dialect), {**op.key, **op.values}
        case Update():
            sql = _update_sql(op.table, tuple(op.key), tuple(op.values), dialect)
            return sql, {**_prefixed(op.values, "v_"), **_prefixed(op.key, "k_")}
        case Delete():
            return _delete_sql(op.table, tuple(op.key), dialect), _prefixed(op.key, "k_")


# The SQL of an operation depends only on its table, column names and dialect: a handful of shapes,
# each built once (a rebuild builds a statement for every row operation of every event).
@cache
def _upsert_sql(table: str, key: tuple[str, ...], values: tuple[str, ...], dialect: Dialect) -> str:
    columns = tuple(dict.fromkeys((*key, *values)))  # a column named in both is bound once
    names = ", ".join(columns)
    marks = ", ".join(dialect.param(c) for c in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in values) or None
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({', '.join(key)}) {action}"


@cache
def _update_sql(table: str, key: tuple[str, ...], values: tuple[str, ...], dialect: Dialect) -> str:
    sets = ", ".join(f"{c} = {dialect.param('v_' + c)}" for c in values)
    return f"UPDATE {table} SET {sets} WHERE {_where(key, dialect)}"


@cache
def _delete_sql(table: str, key: tuple[str, ...], dialect: Dialect) -> str:
    return f"DELETE FROM {table} WHERE {_where(key, dialect)}"


def _where(key: tuple[str, ...], dialect: Dialect) -> str:
    return " AND ".join(f"{c} = {dialect.param('k_' + c)}" for c in key)


def _prefixed(values: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {prefix + k: v for k, v in values.items()}


def split_script(script: str) -> list[str]:
    """Split a DDL script into statements (our DDL has no semicolons inside literals)."""
    body = "\n".join(line for line in script.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in body.split(";") if s.strip()]


@dataclass(frozen=True)
class StagedUpsert:
    """PostgreSQL's bulk upsert of one shape: COPY rows into a staging table, then move them over.

    The staging table has the target's column types but none of its constraints (``CREATE TABLE AS``),
    lives until the transaction ends, and is emptied by the move itself (``DELETE ... RETURNING``).
    """

    create: str
    copy: str
    move: str


@cache
def staged_upsert(table: str, key: tuple[str, ...], values: tuple[str, ...], stage: str) -> StagedUpsert:
    """The statements of a staged upsert into ``table`` through the temporary table ``stage``."""
    columns = ", ".join(dict.fromkeys((*key, *values)))
    updates = ", ".join(f"{c} = excluded.{c}" for c in values)
    action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
    return StagedUpsert(
        create=f"CREATE TEMPORARY TABLE {stage} ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA",
        copy=f"COPY {stage} ({columns}) FROM STDIN",
        move=(
            f"WITH moved AS (DELETE FROM {stage} RETURNING {columns}) INSERT INTO {table} ({columns}) "
            f"SELECT {columns} FROM moved ON CONFLICT ({', '.join(key)}) {action}"
        ),
    )
