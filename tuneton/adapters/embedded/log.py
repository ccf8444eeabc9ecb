"""The embedded event log: Kafka's model (topics, partitions, offsets, groups) on one SQLite file.

Records keep the exact bytes Kafka would carry (Confluent wire-format Avro), keys go to the partition
Kafka's default partitioner would choose, and consumer groups commit offsets the same way, so the
processors cannot tell the difference. One process owns the file; a group has one member.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import json
import sqlite3
import time
from base64 import b64decode, b64encode
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from tuneton.adapters.embedded.database import connect
from tuneton.adapters.embedded.murmur2 import partition_for
from tuneton.ports import (
    Appended,
    EventLog,
    Headers,
    LogRecord,
    OutgoingRecord,
    PositionTaken,
    StateStore,
    StateWrite,
    Subscription,
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    topic TEXT NOT NULL, partition INTEGER NOT NULL, offset INTEGER NOT NULL,
    key BLOB, value BLOB, headers TEXT, timestamp_ms INTEGER NOT NULL,
    PRIMARY KEY (topic, partition, offset)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_offsets (
    group_id TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL, next_offset INTEGER NOT NULL,
    PRIMARY KEY (group_id, topic, partition)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
    store TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY (store, key)) WITHOUT ROWID;
"""


_INSERT_RECORD = "INSERT INTO records VALUES (?, ?, ?, ?, ?, ?, ?)"


class UnknownTopicError(LookupError):
    """Appending to or reading a topic that was never created (Kafka: UNKNOWN_TOPIC_OR_PARTITION)."""


class EmbeddedEventLog(EventLog, StateStore):
    """EventLog and StateStore on ``<data_dir>/events.db``."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL", poll_interval_s: float = 0.05) -> None:
        self._path = path
        self._synchronous = synchronous
        self._poll_interval_s = poll_interval_s
        self._conn: sqlite3.Connection | None = None
        self._partitions: dict[str, int] = {}
        self._round_robin = itertools.count()
        self._waiters: dict[asyncio.Future[None], frozenset[str]] = {}
        self._known: _KnownEnds | None = None
        # Called with the topics of each commit: the embedded worker's link tells the other process.
        self.on_landed: Callable[[frozenset[str]], None] | None = None

    @property
    def poll_interval_s(self) -> float:
        """How often a waiting consumer re-reads the file for appends by other processes."""
        return self._poll_interval_s

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection (``start`` first)."""
        if self._conn is None:
            raise RuntimeError("event log not started")
        return self._conn

    async def start(self) -> None:
        """Open the file and create the tables."""
        if self._conn is None:
            self._conn = connect(self._path, synchronous=self._synchronous)
            self._conn.executescript(_SCHEMA)
            self._known = _KnownEnds(self._conn)
            self._load_topics()

    async def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None
            self._known = None

    async def ensure_topics(self, partitions: Mapping[str, int]) -> None:
        """Create missing topics; an existing topic keeps its partition count."""
        with _transaction(self.conn):
            for name, count in partitions.items():
                self.conn.execute("INSERT OR IGNORE INTO topics VALUES (?, ?)", (name, count))
        self._load_topics()

    async def append(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        """Append in one transaction: all records land, or none."""
        with _transaction(self.conn):
            appended = self._insert(records)
        self._landed(appended)
        return appended

    async def transact(
        self,
        records: Sequence[OutgoingRecord],
        *,
        group: str,
        positions: Sequence[tuple[str, int, int]],
        state: Sequence[StateWrite] = (),
        consumed: Sequence[LogRecord] = (),
    ) -> list[Appended]:
        """Append, commit offsets and write state in one SQLite transaction.

        ``consumed`` are input records the processor took from memory rather than from the log (the
        embedded worker's decider, handed its commands by the serving process): they are appended
        first, each exactly at the position it was consumed at, in the same transaction as what they
        produced. If one of those positions is taken (another process appended to the partition in
        between), nothing is written and :class:`PositionTaken` is raised.
        """
        with _transaction(self.conn):
            landed = self._insert_consumed(consumed)
            appended = self._insert(records)
            self.commit_group(group, positions)
            for write in state:
                if write.value is None:
                    self.conn.execute("DELETE FROM state WHERE store = ? AND key = ?", (write.store, write.key))
                else:
                    self.conn.execute(
                        "INSERT OR REPLACE INTO state VALUES (?, ?, ?)", (write.store, write.key, write.value)
                    )
        self._landed([*landed, *appended])
        return appended

    async def get_state(self, store: str, key: str) -> bytes | None:
        """The current value of ``key`` in ``store``."""
        row = self.conn.execute("SELECT value FROM state WHERE store = ? AND key = ?", (store, key)).fetchone()
        return None if row is None else bytes(row[0])

    async def clear_state(self, store: str) -> None:
        """Forget a whole state store (used when rebuilding a processor from the log)."""
        with _transaction(self.conn):
            self.conn.execute("DELETE FROM state WHERE store = ?", (store,))

    async def subscribe(
        self, topics: Sequence[str], *, group: str | None, from_beginning: bool = True
    ) -> EmbeddedSubscription:
        """A consumer over ``topics``, resuming at the group's committed offsets."""
        for topic in topics:
            self._require(topic)
        return EmbeddedSubscription(self, list(topics), group=group, from_beginning=from_beginning)

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """High-water mark per partition."""
        return {p: self._end(topic, p) for p in range(self._require(topic))}

    async def committed(self, group: str, topic: str) -> dict[int, int]:
        """The group's committed next offsets for ``topic``."""
        rows = self.conn.execute(
            "SELECT partition, next_offset FROM group_offsets WHERE group_id = ? AND topic = ?", (group, topic)
        ).fetchall()
        return {int(p): int(o) for p, o in rows}

    async def reset_group(self, group: str) -> None:
        """Forget a group's offsets so it replays from the beginning."""
        with _transaction(self.conn):
            self.conn.execute("DELETE FROM group_offsets WHERE group_id = ?", (group,))

    async def wait_for_append(self, timeout_s: float, topics: frozenset[str] | None = None) -> None:
        """Sleep until something is appended in this process (to one of ``topics``, when given), or
        ``timeout_s`` passes.

        Each waiter has its own future, so one consumer waking up never swallows another's wake-up; a
        waiter that names its topics sleeps through appends to others (a command used to wake every
        projector, the renderer and the outcome listener, each to read partitions with nothing new).
        """
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters[waiter] = topics if topics is not None else _EVERY_TOPIC
        try:
            await asyncio.wait_for(waiter, timeout_s)
        except TimeoutError:
            pass
        finally:
            self._waiters.pop(waiter, None)

    def known_ends(self) -> dict[tuple[str, int], int]:
        """End offsets known without reading the file (see ``_KnownEnds``); a reader may add to it."""
        if self._known is None:
            raise RuntimeError("event log not started")
        return self._known.current()

    def read(self, topic: str, partition: int, offset: int, limit: int) -> list[LogRecord]:
        """Records of one partition from ``offset`` on."""
        rows = self.conn.execute(
            "SELECT offset, key, value, headers, timestamp_ms FROM records "
            "WHERE topic = ? AND partition = ? AND offset >= ? ORDER BY offset LIMIT ?",
            (topic, partition, offset, limit),
        ).fetchall()
        return [
            LogRecord(
                topic=topic,
                partition=partition,
                offset=int(o),
                key=_b(k),
                value=_b(v),
                timestamp_ms=int(ts),
                headers=_decode_headers(h),
            )
            for o, k, v, h, ts in rows
        ]

    def partitions(self, topic: str) -> int:
        """Partition count of ``topic``."""
        return self._require(topic)

    def partition_of(self, record: OutgoingRecord) -> int:
        """The partition ``record`` goes to (Kafka's default partitioner for a key, else round robin)."""
        count = self._require(record.topic)
        return partition_for(record.key, count) if record.key is not None else next(self._round_robin) % count

    def _insert(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        """Insert under the write lock; offsets come from the known ends while no other connection has
        committed since they were learnt, else from the file, so other processes may append too."""
        now = int(time.time() * 1000)
        appended: list[Appended] = []
        rows: list[tuple[object, ...]] = []
        known = self.known_ends()
        ends: dict[tuple[str, int], int] = {}
        for record in records:
            partition = self.partition_of(record)
            offset = ends.get((record.topic, partition))
            if offset is None:
                offset = self._next_offset(known, record.topic, partition)
            rows.append(
                (record.topic, partition, offset, record.key, record.value, _encode_headers(record.headers), now)
            )
            ends[(record.topic, partition)] = offset + 1
            appended.append(Appended(topic=record.topic, partition=partition, offset=offset))
        self.conn.executemany(_INSERT_RECORD, rows)
        return appended

    def _insert_consumed(self, records: Sequence[LogRecord]) -> list[Appended]:
        """Insert records at the positions they carry, each the next of its partition, or raise."""
        if not records:
            return []
        known = self.known_ends()
        ends: dict[tuple[str, int], int] = {}
        for record in records:
            where = (record.topic, record.partition)
            end = ends.get(where)
            if end is None:
                end = self._next_offset(known, record.topic, record.partition)
            if record.offset != end:
                raise PositionTaken(f"{record.topic}/{record.partition}: offset {record.offset} wanted, {end} next")
            ends[where] = end + 1
        self.conn.executemany(
            _INSERT_RECORD,
            [
                (r.topic, r.partition, r.offset, r.key, r.value, _encode_headers(r.headers), r.timestamp_ms)
                for r in records
            ],
        )
        return [Appended(topic=r.topic, partition=r.partition, offset=r.offset) for r in records]

    def _next_offset(self, known: dict[tuple[str, int], int], topic: str, partition: int) -> int:
        end = known.get((topic, partition))
        return end if end is not None else self._max_offset(topic, partition) + 1

    def commit_group(self, group: str, positions: Sequence[tuple[str, int, int]]) -> None:
        self.conn.executemany(
            "INSERT INTO group_offsets VALUES (?, ?, ?, ?) ON CONFLICT (group_id, topic, partition) "
            "DO UPDATE SET next_offset = excluded.next_offset",
            [(group, topic, partition, offset) for topic, partition, offset in positions],
        )

    def end_offset(self, topic: str, partition: int) -> int:
        """High-water mark of one partition."""
        return self._end(topic, partition)

    def _end(self, topic: str, partition: int) -> int:
        return self._max_offset(topic, partition) + 1

    def _max_offset(self, topic: str, partition: int) -> int:
        row = self.conn.execute(
            "SELECT MAX(offset) FROM records WHERE topic = ? AND partition = ?", (topic, partition)
        ).fetchone()
        return -1 if row[0] is None else int(row[0])

    def _require(self, topic: str) -> int:
        count = self._partitions.get(topic)
        if count is None:
            self._load_topics()
            count = self._partitions.get(topic)
        if count is None:
            raise UnknownTopicError(f"unknown topic {topic}")
        return count

    def _load_topics(self) -> None:
        self._partitions = {n: int(p) for n, p in self.conn.execute("SELECT name, partitions FROM topics")}

    def _landed(self, appended: Sequence[Appended]) -> None:
        """After a commit: remember the new ends, wake the waiters of the topics that grew."""
        if not appended:
            return
        if self._known is not None:
            self._known.learn(appended)
        grown = frozenset(where.topic for where in appended)
        self.wake(grown)
        if self.on_landed is not None:
            self.on_landed(grown)

    def wake(self, grown: frozenset[str]) -> None:
        """Wake the waiters of ``grown`` (after a commit here, or one another process announced)."""
        for waiter, topics in self._waiters.items():
            if not waiter.done() and (topics is _EVERY_TOPIC or not grown.isdisjoint(topics)):
                waiter.set_result(None)


_EVERY_TOPIC: frozenset[str] = frozenset()  # a waiter that named no topics: woken by every append


class _KnownEnds:
    """The end offsets one connection knows without reading, valid while no other connection commits.

    Written by hand: SQLite has no change feed, but ``PRAGMA data_version`` changes exactly when
    another connection (another process) has committed to the file since the last time this
    connection asked. Ends learnt from this connection's own commits and from reads that came back
    short therefore hold until it moves; then they are all forgotten and learnt again. A consumer
    skips a partition whose position is its known end: one pragma instead of a query per partition.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._ends: dict[tuple[str, int], int] = {}
        self._version: int | None = None

    def learn(self, appended: Sequence[Appended]) -> None:
        """Ends this connection's commit made: true as of that commit, so no need to ask the file
        (a commit by another connection after it still shows at the next ``current``)."""
        for where in appended:
            self._ends[(where.topic, where.partition)] = where.offset + 1

    def current(self) -> dict[tuple[str, int], int]:
        """The ends, emptied first if another connection has committed since the last call."""
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        if version != self._version:
            self._ends.clear()
            self._version = version
        return self._ends


class EmbeddedSubscription(Subscription):
    """A consumer: remembers its fetch positions, commits them for its group on request."""

    def __init__(self, log: EmbeddedEventLog, topics: list[str], *, group: str | None, from_beginning: bool) -> None:
        self._log = log
        self._group = group
        self._topics = frozenset(topics)
        self._positions: dict[tuple[str, int], int] = {}
        for topic in topics:
            committed = self._committed(topic) if group is not None else {}
            for partition in range(log.partitions(topic)):
                if partition in committed:
                    start = committed[partition]
                else:
                    start = 0 if from_beginning else log.end_offset(topic, partition)
                self._positions[(topic, partition)] = start

    def _committed(self, topic: str) -> dict[int, int]:
        rows = self._log.conn.execute(
            "SELECT partition, next_offset FROM group_offsets WHERE group_id = ? AND topic = ?",
            (self._group, topic),
        ).fetchall()
        return {int(p): int(o) for p, o in rows}

    async def poll(self, *, max_records: int = 500, wait_s: float = 1.0) -> list[LogRecord]:
        """Next records across partitions, oldest partition position first; waits up to ``wait_s``."""
        deadline = time.monotonic() + wait_s
        while True:
            batch = self._fetch(max_records)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                return batch
            await self._log.wait_for_append(min(remaining, self._log.poll_interval_s), self._topics)

    def _fetch(self, max_records: int) -> list[LogRecord]:
        batch: list[LogRecord] = []
        known = self._log.known_ends()
        for (topic, partition), offset in self._positions.items():
            if len(batch) >= max_records:
                break
            end = known.get((topic, partition))
            if end is not None and offset >= end:
                continue  # nothing new there, and nobody else has committed since that was learnt
            wanted = max_records - len(batch)
            records = self._log.read(topic, partition, offset, wanted)
            position = records[-1].offset + 1 if records else offset
            if records:
                self._positions[(topic, partition)] = position
                batch.extend(records)
            if len(records) < wanted:
                known[(topic, partition)] = position  # read to the end
        return batch

    async def positions(self) -> dict[tuple[str, int], int]:
        """Next fetch offsets."""
        return dict(self._positions)

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Move the fetch position (e.g. to a projection's stored checkpoint)."""
        self._positions[(topic, partition)] = offset

    async def commit(self, positions: Sequence[tuple[str, int, int]]) -> None:
        """Commit next offsets for the group."""
        if self._group is None:
            return
        with _transaction(self._log.conn):
            self._log.commit_group(self._group, positions)

    async def close(self) -> None:
        """Nothing to release: the log owns the connection."""


class _transaction:  # noqa: N801 - used as a statement-like context manager
    """BEGIN IMMEDIATE ... COMMIT, rolling back on any error."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self._conn.execute("BEGIN IMMEDIATE")
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._conn.execute("ROLLBACK" if exc_type is not None else "COMMIT")


# Memoised: a record's headers are one of a few type names (``event_type``, ``command_type``), and
# each append and read paid for JSON and base64 per record. Bounded, for headers are data.
@functools.lru_cache(maxsize=1024)
def _encode_headers(headers: Headers) -> str | None:
    if not headers:
        return None
    return json.dumps([[k, b64encode(v).decode()] for k, v in headers])


@functools.lru_cache(maxsize=1024)
def _decode_headers(text: str | None) -> Headers:
    if not text:
        return ()
    return tuple((k, b64decode(v)) for k, v in json.loads(text))


def _b(value: bytes | memoryview | None) -> bytes | None:
    return None if value is None else bytes(value)
