"""Abstract ports: what the services need from infrastructure, nothing about how it is provided.

Each port has one contract test suite (tests/contract) that every adapter — embedded and distributed —
must pass, so the two runtimes cannot drift apart.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from tuneton.domain.readmodel import Delete, RowOp, Update, Upsert

__all__ = ["Delete", "RowOp", "Update", "Upsert"]

Headers = tuple[tuple[str, bytes], ...]


@dataclass(frozen=True, kw_only=True)
class OutgoingRecord:
    """A record to append: key decides the partition, exactly as Kafka's default partitioner does."""

    topic: str
    key: bytes | None
    value: bytes | None
    headers: Headers = ()


@dataclass(frozen=True, kw_only=True)
class LogRecord:
    """A record read back from the log with its position."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int
    headers: Headers = ()

    @property
    def next_position(self) -> tuple[str, int, int]:
        """The (topic, partition, offset) a consumer commits after handling this record."""
        return (self.topic, self.partition, self.offset + 1)


@dataclass(frozen=True, kw_only=True)
class Appended:
    """Where an appended record landed."""

    topic: str
    partition: int
    offset: int


class EventLog(abc.ABC):
    """A partitioned, append-only log with consumer groups (Kafka or its embedded stand-in)."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect; idempotent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""

    @abc.abstractmethod
    async def ensure_topics(self, partitions: Mapping[str, int]) -> None:
        """Create missing topics with the given partition counts; existing topics are left alone."""

    @abc.abstractmethod
    async def append(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        """Append records durably (acks=all) and return their positions, in order."""

    @abc.abstractmethod
    async def transact(
        self,
        records: Sequence[OutgoingRecord],
        *,
        group: str,
        positions: Sequence[tuple[str, int, int]],
        state: Sequence[StateWrite] = (),
    ) -> list[Appended]:
        """Append ``records``, commit ``positions`` for ``group`` and write ``state``: all or nothing.

        This is the consume-transform-produce step of a processor. On Kafka it is a producer
        transaction with the offsets sent to it; state lives in Faust tables there, so the Kafka log
        refuses ``state``. On the embedded log it is one SQLite transaction.
        """

    @abc.abstractmethod
    async def subscribe(self, topics: Sequence[str], *, group: str | None, from_beginning: bool = True) -> Subscription:
        """Read all partitions of ``topics``; with a group, resume at its committed offsets.

        Partitions without a committed offset start at the beginning or, with ``from_beginning=False``,
        at the end as of this call: a record appended after ``subscribe`` returns is never missed.
        """

    @abc.abstractmethod
    async def end_offsets(self, topic: str) -> dict[int, int]:
        """The next offset to be written, per partition (the high-water mark)."""

    async def check_writable(self) -> None:  # noqa: B027 - a hook with a do-nothing default, not abstract
        """Raise if the log knows an append would fail now (a Kafka producer retired and not yet back).

        For readiness probes. The embedded log has no such state: it never raises here.
        """


@dataclass(frozen=True, kw_only=True)
class StateWrite:
    """Set (or with ``value=None`` delete) one key of a processor's state store."""

    store: str
    key: str
    value: bytes | None


class PositionTaken(RuntimeError):
    """A record consumed from memory could not land where its consumer read it: something else was
    appended to its partition first (``LocalEventLog.transact``'s ``consumed``). Nothing was written."""


@runtime_checkable
class LocalEventLog(Protocol):
    """An event log in a file of this machine (the embedded one): what a processor handed its input
    records in memory needs besides :class:`EventLog`."""

    @property
    def poll_interval_s(self) -> float:
        """How often a waiting consumer looks for another process's appends."""

    def partition_of(self, record: OutgoingRecord) -> int:
        """The partition ``record`` would be appended to."""

    async def wait_for_append(self, timeout_s: float, topics: frozenset[str] | None = None) -> None:
        """Sleep until something is appended to ``topics`` (or ``wake`` names them), at most ``timeout_s``."""

    def wake(self, grown: frozenset[str]) -> None:
        """Wake the waiters of ``grown`` now."""

    async def transact(
        self,
        records: Sequence[OutgoingRecord],
        *,
        group: str,
        positions: Sequence[tuple[str, int, int]],
        state: Sequence[StateWrite] = (),
        consumed: Sequence[LogRecord] = (),
    ) -> list[Appended]:
        """:meth:`EventLog.transact`, appending ``consumed`` first at their own positions (else
        :class:`PositionTaken`, nothing written)."""


class StateStore(abc.ABC):
    """Read side of a processor's key-value state (embedded runtime; Faust tables on Kafka)."""

    @abc.abstractmethod
    async def get_state(self, store: str, key: str) -> bytes | None:
        """The value last written for ``key`` in ``store``."""


class Subscription(abc.ABC):
    """One consumer's view of a set of topics."""

    @abc.abstractmethod
    async def poll(self, *, max_records: int = 500, wait_s: float = 1.0) -> list[LogRecord]:
        """Return the next records (possibly none after ``wait_s`` seconds)."""

    @abc.abstractmethod
    async def positions(self) -> dict[tuple[str, int], int]:
        """The next offset this consumer will fetch per (topic, partition).

        Unlike "last record + 1" it moves past Kafka transaction markers, so it tells when a reader
        has caught up with the end offsets.
        """

    @abc.abstractmethod
    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Continue fetching ``topic``/``partition`` at ``offset`` (e.g. a projection's checkpoint)."""

    @abc.abstractmethod
    async def commit(self, positions: Sequence[tuple[str, int, int]]) -> None:
        """Commit (topic, partition, next_offset) for the group; no-op without a group."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Leave the group and stop fetching."""


class SchemaRegistry(abc.ABC):
    """Confluent-API schema registry: subjects, versions, global ids."""

    @abc.abstractmethod
    async def register(self, subject: str, schema_json: str) -> int:
        """Register ``schema_json`` under ``subject`` (idempotent) and return its global id."""

    @abc.abstractmethod
    async def schema_by_id(self, schema_id: int) -> str:
        """Return the schema text registered under ``schema_id``.

        Raises ``LookupError`` only when the registry answered that no schema has the id; any other
        error means it could not answer now, and the caller retries (the codec does).
        """


@dataclass(frozen=True, kw_only=True)
class Checkpoint:
    """What a projector applied: the log position and the aggregate version the rows now reflect."""

    projection: str
    topic: str
    partition: int
    offset: int
    aggregate_id: str | None = None  # None: a record with no effect (poison sent to the DLQ)
    aggregate_version: int = 0


class PositionGap(Exception):
    """A batch starts past the projection's stored position: records in between never reached it.

    Kafka offsets of the events topics are contiguous (no transactions write them), so a record at
    ``found`` while the store says ``expected`` means the consumer skipped records — a consumer group's
    committed offset ahead of the rows (Faust has been seen to redeliver after a restart from past an
    event its projector never stored). Applying the batch would stamp later versions and make the
    skipped events look like stale duplicates forever, so the store refuses it and names the hole.
    """

    def __init__(self, projection: str, topic: str, partition: int, *, expected: int, found: int) -> None:
        super().__init__(f"{projection}: {topic}[{partition}] jumps from stored offset {expected} to {found}")
        self.topic = topic
        self.partition = partition
        self.expected = expected
        self.found = found


ProjectedBatch = Sequence[tuple[Sequence[RowOp], Checkpoint]]  # a projector batch: row operations and checkpoints


class ReadStore(abc.ABC):
    """A relational read model (PostgreSQL or SQLite) written by projectors, read by the query API."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect and create the registered projections' tables (idempotent DDL)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections."""

    @abc.abstractmethod
    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        """Apply each entry's ops and record its checkpoint, the whole batch in ONE transaction.

        An entry whose offset is below the stored position, or whose aggregate version is not above
        the stored one, changes no rows (its position still advances): redelivered and duplicated
        events are harmless. An entry *past* the stored position of its partition (a hole in between)
        raises ``PositionGap`` and nothing is written. Returns the number of entries that changed rows.
        """

    @abc.abstractmethod
    async def positions(self, projection: str) -> dict[tuple[str, int], int]:
        """Next offset to read per (topic, partition) for ``projection``."""

    @abc.abstractmethod
    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        """The last aggregate version ``projection`` applied (0 when none)."""

    def watch(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        """While inside: an event set when a commit of ``projection`` may have changed ``aggregate_id``.

        Enter it *before* reading the version, so that a commit in between is not missed. ``None``
        means this store cannot tell right now: the caller polls. A wake-up says "read again", not
        "it is there".
        """
        return nullcontext(None)

    def invalidations(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        """Like ``watch``, but a promise a cache may build on: while inside, the event is set by *every*
        later commit of ``projection`` that may change ``aggregate_id``, and by anything that makes this
        store unsure of that (a lost notification feed). ``None``: this store cannot promise it now.

        ``watch`` may lose a wake-up (its waiters poll as well); a cache has no poll to fall back on.
        """
        return nullcontext(None)

    @abc.abstractmethod
    async def reset(self, projection: str, tables: Sequence[str]) -> None:
        """Empty ``tables`` and forget the projection's positions and versions, in one transaction."""

    @abc.abstractmethod
    async def rebuild(self, projection: str, tables: Sequence[str], batches: AsyncIterator[ProjectedBatch]) -> int:
        """Empty ``tables`` and the bookkeeping, then apply every batch as ``apply`` would, all in ONE
        transaction: readers see the old read model until the new one is complete, and a failure
        (a crash, ``PositionGap``, a failing batch iterator) leaves the old one. Returns the entries applied.

        The iterator is advanced while the previous batch is written, so decoding the next batch
        overlaps the database's work on this one.
        """

    @abc.abstractmethod
    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Run a read-only query with ``:name`` parameters and return rows as dicts."""


# --- Catalog: blob storage and track search (issue 3) --------------------------------------------
# Written by ingest and projectors, read by the query API. Values and errors: tuneton/catalog_values.py.
# Contract suites: tests/contract/blob_store_contract.py, tests/contract/search_index_contract.py.
# This section's imports sit here, not at the top, so it merges cleanly with the rest of the file.
from collections.abc import AsyncIterable  # noqa: E402
from pathlib import Path  # noqa: E402

from tuneton.catalog_values import (  # noqa: E402
    BlobInfo,
    BlobRead,
    IndexChange,
    SearchDocument,
    SearchPage,
    SearchQuery,
    SearchRemoval,
)


class BlobStore(abc.ABC):
    """Immutable named blobs (originals, renditions, covers): files under a data dir, or S3."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Create the directory or bucket if missing; idempotent."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""

    @abc.abstractmethod
    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        """Store a local file under ``key``: readers see the old blob or the whole new one, never a part."""

    @abc.abstractmethod
    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> BlobInfo:
        """Store a byte stream under ``key``, atomically; if the stream fails, nothing is stored."""

    @abc.abstractmethod
    async def get(self, key: str, *, offset: int = 0, length: int | None = None) -> BlobRead:
        """Open ``length`` bytes (default: to the end) from ``offset``; a slice past the end is cut short.

        ``offset == size`` gives an empty read; ``offset > size`` raises :class:`InvalidRange`. Raises
        :class:`BlobNotFound` before any byte is served, so an HTTP handler can still answer 404/416.
        """

    @abc.abstractmethod
    async def stat(self, key: str) -> BlobInfo:
        """Size and content type; raises :class:`BlobNotFound`."""

    @abc.abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether a blob is stored under ``key``."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the blob; deleting a missing key is not an error (retries are harmless)."""

    @abc.abstractmethod
    async def url(self, key: str, *, expires_s: int = 3600) -> str | None:
        """A time-limited URL a client can fetch directly (S3 presigned), or None: serve it yourself."""

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> BlobInfo:
        """Store a small in-memory blob (a cover rendition)."""

        async def one_chunk() -> AsyncIterator[bytes]:
            yield data

        return await self.put_stream(key, one_chunk(), content_type=content_type)

    async def read_bytes(self, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
        """Read a (small) blob or slice into memory."""
        return await (await self.get(key, offset=offset, length=length)).read_all()


class SearchIndex(abc.ABC):
    """The track search read model: Elasticsearch, or SQLite FTS5 when embedded.

    Ranking is part of the contract: score (see :mod:`tuneton.media.search_text`) descending, then
    the normalised title, then the track id — so both engines return the same order.
    """

    @abc.abstractmethod
    async def start(self, *, rebuilding: bool = False) -> None:
        """Connect and create the index if missing; idempotent.

        An index built by other analysis rules (``ANALYSIS_VERSION``) is refused, unless
        ``rebuilding``: then it is dropped and created anew, for the replay that fills it.
        """

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; idempotent."""

    @abc.abstractmethod
    async def write(self, changes: Sequence[IndexChange]) -> list[bool]:
        """Apply upserts and removals in order; per change, True when applied, False when stale.

        A change is stale when the stored version of its track (live or removed) is not lower.
        """

    @abc.abstractmethod
    async def get(self, track_id: str) -> SearchDocument | None:
        """The live document of a track, None when absent or removed."""

    @abc.abstractmethod
    async def search(self, query: SearchQuery) -> SearchPage:
        """Matching live documents visible to the viewer, ranked, one page; the total capped (see SearchPage)."""

    @abc.abstractmethod
    async def refresh(self) -> None:
        """Make every acknowledged write visible to search (Elasticsearch is near-real-time)."""

    @abc.abstractmethod
    async def reset(self) -> None:
        """Forget every document and version (projection rebuild)."""

    async def upsert(self, document: SearchDocument) -> bool:
        """Index one document; False when its version is stale."""
        return (await self.write([document]))[0]

    async def delete(self, track_id: str, version: int) -> bool:
        """Remove a track as of ``version``; False when stale."""
        return (await self.write([SearchRemoval(track_id=track_id, version=version)]))[0]
