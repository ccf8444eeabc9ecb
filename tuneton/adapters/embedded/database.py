"""One SQLite connection per embedded database file, tuned for an append-heavy single process.

Checkpoints run in a thread of their own, not inside the writer's COMMIT. SQLite's automatic
checkpoint is done by the commit that takes the WAL past 1,000 pages: it copies every page written
since the last checkpoint into the database file and syncs it, while the writer waits. In the embedded
worker such commits took 10 to 20 ms (the median commit 0.55 ms; a scratch wrapper's timing, in
BENCHMARKS). A checkpoint every ``CHECKPOINT_INTERVAL_S`` from a second connection copies a page
rewritten many times in between (a hot aggregate's snapshot) once, and the worker's event loop never
waits for it: its wall time per command fell by a third, and its CPU per command by a fifth
(``benchmarks/worker_batches.py``; BENCHMARKS.md, twenty-third session).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)
CHECKPOINT_INTERVAL_S = 0.5


class WalCheckpointer:
    """Checkpoints one WAL database every ``interval_s`` from its own thread and connection.

    ``PASSIVE``: it copies what no reader still needs and never blocks a writer or a reader, so it
    is safe beside the worker, the serving process and a CLI on the same file. A checkpoint that
    finds nothing new costs a few system calls.
    """

    def __init__(self, path: Path, *, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"checkpoint {path.name}", daemon=True)
        self.checkpoints = 0  # completed, for tests and curiosity

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; the last connection to close checkpoints what is left (SQLite does)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        conn = sqlite3.connect(self._path, isolation_level=None, timeout=30)
        failing = False
        try:
            while not self._stop.wait(self._interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                except sqlite3.Error as exc:  # try again later; say so once, for the WAL grows meanwhile
                    if not failing:
                        log.warning("checkpoint of %s failed (the WAL grows until one succeeds): %s", self._path, exc)
                    failing = True
                else:
                    self.checkpoints += 1
                    failing = False
        finally:
            conn.close()


class CheckpointedConnection(sqlite3.Connection):
    """A connection whose database is checkpointed by a :class:`WalCheckpointer`, stopped on close."""

    checkpointer: WalCheckpointer | None = None

    def close(self) -> None:
        """Stop the checkpointer, then close."""
        if self.checkpointer is not None:
            self.checkpointer.stop()
            self.checkpointer = None
        super().close()


def connect(path: Path, *, synchronous: str = "NORMAL") -> CheckpointedConnection:
    """Open ``path`` in WAL mode with autocommit off (we issue BEGIN/COMMIT ourselves).

    WAL with ``synchronous=NORMAL`` survives a crash of the process with nothing lost; after a power
    failure the last transactions may be gone, the same promise Kafka makes with its default (no
    fsync, page-cache) settings. ``TUNETON_EMBEDDED_SYNCHRONOUS=FULL`` trades speed for more. This
    connection never checkpoints; its :class:`WalCheckpointer` does (module doc).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=30, factory=CheckpointedConnection
    )
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA wal_autocheckpoint=0")
    conn.checkpointer = WalCheckpointer(path)
    conn.checkpointer.start()
    return conn
