"""One SQLite connection per embedded database file, tuned for an append-heavy single process."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path, *, synchronous: str = "NORMAL") -> sqlite3.Connection:
    """Open ``path`` in WAL mode with autocommit off (we issue BEGIN/COMMIT ourselves).

    WAL with ``synchronous=NORMAL`` survives a crash of the process with nothing lost; after a power
    failure the last transactions may be gone, the same promise Kafka makes with its default (no
    fsync, page-cache) settings. ``TUNETON_EMBEDDED_SYNCHRONOUS=FULL`` trades speed for more.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn
