"""In-memory fakes of the ports, subclassing the real ABCs so a signature drift breaks them too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterable
from datetime import UTC, datetime
from pathlib import Path

from commands.bus import CommandBus
from tuneton.catalog_values import BlobError, BlobInfo, BlobNotFound, BlobRead, validate_blob_key
from tuneton.domain.context import CommandContext
from tuneton.domain.errors import DomainError
from tuneton.events import topics
from tuneton.events.compatibility import IncompatibleSchema, backward_problems
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.ports import BlobStore, SchemaRegistry


class InMemorySchemaRegistry(SchemaRegistry):
    """Confluent's model in memory: global ids shared across subjects, versions counted per subject.

    Like the real registry's default (BACKWARD), a new version must read data of the subject's latest.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # canonical schema -> global id
        self._texts: dict[int, str] = {}
        self._subjects: dict[str, list[int]] = {}  # subject -> ids, index = version - 1

    async def register(self, subject: str, schema_json: str) -> int:
        """Idempotent per (subject, canonical schema); refuses a backward-incompatible new version."""
        canonical = _canonical(schema_json)
        versions = self._subjects.get(subject, [])
        known = self._ids.get(canonical)
        if known is not None and known in versions:
            return known
        if versions:
            problems = backward_problems(json.loads(schema_json), json.loads(self._texts[versions[-1]]))
            if problems:
                raise IncompatibleSchema(subject, problems)
        schema_id = known if known is not None else len(self._texts) + 1
        self._ids[canonical] = schema_id
        self._texts.setdefault(schema_id, schema_json)
        self._subjects[subject] = [*versions, schema_id]
        return schema_id

    async def schema_by_id(self, schema_id: int) -> str:
        """The schema text for a global id."""
        try:
            return self._texts[schema_id]
        except KeyError:
            raise LookupError(f"schema id {schema_id} not found") from None

    def subjects(self) -> list[str]:
        """Every subject with at least one version."""
        return sorted(self._subjects)

    def versions(self, subject: str) -> list[int]:
        """The global ids of ``subject``'s versions, oldest first (version n at index n - 1)."""
        return list(self._subjects.get(subject, []))


def _canonical(schema_json: str) -> str:
    return json.dumps(json.loads(schema_json), sort_keys=True, separators=(",", ":"))


class InMemoryBlobStore(BlobStore):
    """Blobs in a dict; ``fail_on_put`` makes the n-th put (1-based) raise, as a full disk would."""

    def __init__(self, *, fail_on_put: int | None = None) -> None:
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.puts = 0
        self.deleted: list[str] = []
        self._fail_on_put = fail_on_put

    async def start(self) -> None:
        """Nothing to connect."""

    async def close(self) -> None:
        """Nothing to release."""

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        """Read the file and store it."""
        return self._put(key, path.read_bytes(), content_type)  # noqa: ASYNC240 - tiny test files

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> BlobInfo:
        """Collect the stream and store it."""
        data = b"".join([chunk async for chunk in chunks])
        return self._put(key, data, content_type)

    async def get(self, key: str, *, offset: int = 0, length: int | None = None) -> BlobRead:
        """Not needed by the ingest tests."""
        raise NotImplementedError

    async def stat(self, key: str) -> BlobInfo:
        """Size and type."""
        if key not in self.blobs:
            raise BlobNotFound(key)
        data, content_type = self.blobs[key]
        return BlobInfo(key=key, size=len(data), content_type=content_type)

    async def exists(self, key: str) -> bool:
        """Whether ``key`` is stored."""
        return key in self.blobs

    async def delete(self, key: str) -> None:
        """Forget ``key``."""
        self.deleted.append(key)
        self.blobs.pop(key, None)

    async def url(self, key: str, *, expires_s: int = 3600) -> str | None:
        """No direct URLs."""
        return None

    def _put(self, key: str, data: bytes, content_type: str) -> BlobInfo:
        self.puts += 1
        if self._fail_on_put == self.puts:
            raise BlobError(f"injected failure on put {self.puts} ({key})")
        self.blobs[validate_blob_key(key)] = (data, content_type)
        return BlobInfo(key=key, size=len(data), content_type=content_type)


class FakeCommandBus(CommandBus):
    """Decides commands with the real pure deciders, in memory, instead of through the log.

    ``published`` lists the events of accepted commands (what a real decider would append to the
    events topic); ``fail`` makes ``submit`` raise it instead (a log that is down, a timeout).
    """

    def __init__(self, *, fail: BaseException | None = None) -> None:  # no log, no codec: nothing to start
        self.submitted: list[CommandEnvelope] = []
        self.published: list[object] = []
        self.fail = fail
        self._states: dict[tuple[str, str], tuple[object, int]] = {}

    async def submit(self, envelope: CommandEnvelope) -> CommandOutcome:
        """The outcome the decider would send back."""
        self.submitted.append(envelope)
        if self.fail is not None:
            raise self.fail
        aggregate = topics.AGGREGATES[envelope.aggregate_type]
        state, version = self._states.get((envelope.aggregate_type, envelope.aggregate_id), (None, 0))
        ctx = CommandContext(actor_id=envelope.actor_id, issued_at=envelope.issued_at)
        try:
            events = aggregate.decide(state, envelope.command, ctx)
        except DomainError as rejection:
            return outcome_for(envelope, OutcomeStatus.REJECTED, version, 0, rejection)
        for event in events:
            state, version = aggregate.evolve(state, event), version + 1
        self._states[(envelope.aggregate_type, envelope.aggregate_id)] = (state, version)
        self.published.extend(events)
        return outcome_for(envelope, OutcomeStatus.ACCEPTED, version, len(events), None)


def outcome_for(
    envelope: CommandEnvelope, status: OutcomeStatus, version: int, count: int, rejection: DomainError | None
) -> CommandOutcome:
    """The outcome a decider sends for ``envelope``, decided now."""
    return CommandOutcome(
        command_id=envelope.command_id,
        correlation_id=envelope.correlation_id,
        aggregate_type=envelope.aggregate_type,
        aggregate_id=envelope.aggregate_id,
        status=status,
        aggregate_version=version,
        event_count=count,
        decided_at=datetime.now(UTC),
        reason=None if rejection is None else rejection.reason,
        kind=None if rejection is None else rejection.kind.value,
        message=None if rejection is None else rejection.message,
        details_json=None if rejection is None else json.dumps(rejection.details, default=str),
    )


class ManualClock:
    """Seconds that pass only when a test moves ``now``: time-driven logic tested without sleeping."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        """The current (test-chosen) time."""
        return self.now
