"""The environment a benchmark starts the product with: a fresh data dir, and on Kafka a fresh database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg

from tests.e2e.servers import auth_env, auth_headers, product_env

__all__ = ["auth_headers", "benchmark_env"]

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:55432/tuneton"


def setting_env(assignments: list[str]) -> dict[str, str]:
    """``--setting NAME=VALUE`` arguments as the ``TUNETON_NAME`` variables they stand for."""
    return {f"TUNETON_{name.upper()}": value for name, _, value in (a.partition("=") for a in assignments)}


def benchmark_env(runtime: str, work: Path, *, database_prefix: str = "tuneton_bench", **extra: str) -> dict[str, str]:
    """Settings for ``tuneton serve`` (and the worker): embedded in ``work``, or distributed on the
    ``infra/`` servers with a database of its own (so earlier runs' read models cannot interfere)."""
    env = {"TUNETON_DATA_DIR": str(work / "data"), "TUNETON_LOG_LEVEL": "WARNING", **auth_env(work / "auth"), **extra}
    if runtime == "kafka":
        base_dsn = os.environ.get("TUNETON_POSTGRES_DSN", DEFAULT_DSN)
        database = f"{database_prefix}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(base_dsn.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')
        env |= {"TUNETON_RUNTIME": "distributed", "TUNETON_POSTGRES_DSN": base_dsn.rsplit("/", 1)[0] + f"/{database}"}
    return product_env(env)
