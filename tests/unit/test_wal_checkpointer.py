"""Embedded databases are checkpointed by a thread of their own, never inside the writer's COMMIT."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from tuneton.adapters.embedded.database import CHECKPOINT_INTERVAL_S, WalCheckpointer, connect

ROW = b"x" * 3_000  # about a page: 400 rows take the WAL past SQLite's 1,000-page automatic checkpoint


def _write(conn: sqlite3.Connection, rows: int) -> None:
    for _ in range(rows):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES (?)", (ROW,))
        conn.execute("COMMIT")


def _wait_until(condition: object, timeout_s: float = 10 * CHECKPOINT_INTERVAL_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_the_writer_never_checkpoints_and_the_thread_does(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = connect(path)
    try:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        conn.execute("CREATE TABLE t (v BLOB)")
        assert conn.checkpointer is not None
        conn.checkpointer.stop()  # hold the thread back: only the writer's own commits run now
        before = path.stat().st_size
        _write(conn, 1_500)
        assert path.stat().st_size == before, "a COMMIT copied pages into the database file"

        checkpointer = WalCheckpointer(path)
        checkpointer.start()
        try:
            assert _wait_until(lambda: path.stat().st_size > before + 1_000 * len(ROW))
        finally:
            checkpointer.stop()
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1_500,)
    finally:
        conn.close()


def test_closing_the_connection_stops_its_thread(tmp_path: Path) -> None:
    conn = connect(tmp_path / "db.sqlite")
    assert "checkpoint db.sqlite" in {t.name for t in threading.enumerate()}
    conn.close()
    assert "checkpoint db.sqlite" not in {t.name for t in threading.enumerate()}


def test_checkpoints_keep_going_while_the_writer_writes(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = connect(path)
    try:
        conn.execute("CREATE TABLE t (v BLOB)")
        assert conn.checkpointer is not None
        checkpointer = conn.checkpointer
        seen = checkpointer.checkpoints
        _write(conn, 300)
        assert _wait_until(lambda: checkpointer.checkpoints >= seen + 2)
        assert path.stat().st_size > 300 * len(ROW), "the rows reached the database file"
    finally:
        conn.close()
