"""The decider step: one command in, its events and outcome out, the aggregate's new snapshot kept.

Runtime-agnostic: the Faust agent and the embedded runner both call ``DeciderStep.handle`` and then
persist its result atomically (Kafka transaction / SQLite transaction). Because event ids derive from
the command id and times from the command's ``issued_at``, handling a redelivered command produces
byte-identical events, and a remembered ``command_id`` produces only its original outcome again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from processors import snapshots
from processors.dlq import dead_letter
from processors.snapshots import AggregateRecord, RememberedOutcome
from tuneton.domain.context import CommandContext
from tuneton.domain.errors import DomainError
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, EventEnvelope, OutcomeStatus, derived_id
from tuneton.observability import metrics
from tuneton.ports import LogRecord, OutgoingRecord

log = logging.getLogger(__name__)
STATE_STORE = "decider-state"
GROUP = "tuneton-decider"


@dataclass(frozen=True, kw_only=True)
class DeciderResult:
    """What to persist for one command: records to append, and whether the aggregate changed.

    ``record`` is the aggregate after the command; when ``changed``, the host stores its snapshot
    (:func:`processors.snapshots.dump`) — once per aggregate per batch, not once per command: a
    snapshot carries the whole aggregate, so dumping it per command made a batch quadratic.
    ``outcome`` is the verdict ``outputs`` carries, for hosts that hand it to a waiting caller in-process;
    ``events`` the envelopes of the first ``len(events)`` outputs, for hosts whose projectors share the
    process (:class:`tuneton.events.decoded.DecodedEvents`).
    """

    key: str
    outputs: list[OutgoingRecord]
    changed: bool
    record: AggregateRecord
    outcome: CommandOutcome
    events: tuple[EventEnvelope, ...] = ()


Load = Callable[[CommandEnvelope], Awaitable[bytes | AggregateRecord | None]]


@dataclass(frozen=True, kw_only=True)
class Decision:
    """One command and what deciding it produced."""

    command: CommandEnvelope
    result: DeciderResult


async def decide_each(
    step: DeciderStep,
    records: Sequence[LogRecord],
    load: Load,
    *,
    processor: str = GROUP,
    decoded: Callable[[LogRecord], CommandEnvelope | None] | None = None,
) -> AsyncIterator[Decision | OutgoingRecord]:
    """The decider host loop of both hosts: each record's decision, in order, or its dead letter.

    ``load`` gives a command's aggregate as the host holds it, the batch's earlier decisions included
    (the host folds each yielded result in before the next record is decided); ``decoded`` may hand
    over a command the process decoded already. What a host does with the decisions differs (one
    SQLite transaction embedded; snapshot with outbox, then sends, on Faust), the deciding does not. A
    record whose decoding or deciding fails is this record's fault: it yields its dead letter instead.
    """
    for record in records:
        try:
            command = decoded(record) if decoded is not None else None
            if command is None:
                command = await step.decode(record)
            result = step.handle(command, await load(command))
        except Exception as error:  # noqa: BLE001 - any step failure is this record's fault: dead-letter it
            log.warning("dead-lettering command %s:%s@%s: %r", record.topic, record.partition, record.offset, error)
            metrics.DEAD_LETTERS.labels(processor).inc()
            yield dead_letter(step.codec, record, processor=processor, error=error)
            continue
        yield Decision(command=command, result=result)


def state_key(aggregate_type: str, aggregate_id: str) -> str:
    """State-store key of one aggregate: type-qualified, since ids are only unique per type."""
    return f"{aggregate_type}:{aggregate_id}"


class DeciderStep:
    """Decides commands with the pure domain deciders; owns no I/O."""

    def __init__(self, codec: AvroCodec) -> None:
        self._codec = codec

    @property
    def codec(self) -> AvroCodec:
        """The codec the step decodes commands and encodes events with (dead letters use it too)."""
        return self._codec

    async def decode(self, record: LogRecord) -> CommandEnvelope:
        """Decode a command record (raises ``UndecodableRecord`` for poison)."""
        return await self._codec.decode_command(record.value)

    def handle(self, command: CommandEnvelope, stored: bytes | AggregateRecord | None) -> DeciderResult:
        """Decide ``command`` against the stored snapshot (bytes, or an already decoded record)."""
        aggregate = topics.AGGREGATES[command.aggregate_type]
        decoded = isinstance(stored, AggregateRecord)
        record = snapshots.copy(stored) if decoded else snapshots.load(stored, aggregate)  # type: ignore[arg-type]
        key = state_key(command.aggregate_type, command.aggregate_id)
        remembered = record.recent.get(command.command_id)
        if remembered is not None:
            return self._result(key, command, record, remembered, changed=False)
        ctx = CommandContext(actor_id=command.actor_id, issued_at=command.issued_at)
        try:
            events = aggregate.decide(record.state, command.command, ctx)
        except DomainError as rejection:
            remembered = _rejected(record, rejection)
            record.remember(command.command_id, remembered)
            return self._result(key, command, record, remembered, changed=True)
        envelopes = []
        for index, event in enumerate(events):
            record.state = aggregate.evolve(record.state, event)
            record.version += 1
            envelopes.append(_event_envelope(command, event, record.version, index))

        remembered = RememberedOutcome(
            status=OutcomeStatus.ACCEPTED.value, aggregate_version=record.version, event_count=len(events)
        )
        record.remember(command.command_id, remembered)
        return self._result(key, command, record, remembered, changed=True, events=envelopes)

    def event_record(self, envelope: EventEnvelope) -> OutgoingRecord:
        return OutgoingRecord(
            topic=topics.AGGREGATES[envelope.aggregate_type].events_topic,
            key=envelope.aggregate_id.encode(),
            value=self._codec.encode_event(envelope),
            headers=(("event_type", envelope.event_type.encode()),),
        )

    def _result(
        self,
        key: str,
        command: CommandEnvelope,
        record: AggregateRecord,
        remembered: RememberedOutcome,
        *,
        changed: bool,
        events: Sequence[EventEnvelope] = (),
    ) -> DeciderResult:
        """The result: ``events``' records, then the outcome record carrying ``remembered`` for this command."""
        outcome = _outcome(command, remembered)
        answer = OutgoingRecord(
            topic=topics.OUTCOMES, key=command.correlation_id.encode(), value=self._codec.encode_outcome(outcome)
        )
        outputs = [*(self.event_record(envelope) for envelope in events), answer]
        return DeciderResult(
            key=key, outputs=outputs, changed=changed, record=record, outcome=outcome, events=tuple(events)
        )


def _event_envelope(command: CommandEnvelope, event: object, version: int, index: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=derived_id(command.command_id, f"event/{index}"),
        aggregate_type=command.aggregate_type,
        aggregate_id=command.aggregate_id,
        aggregate_version=version,
        occurred_at=command.issued_at,
        actor_id=command.actor_id,
        correlation_id=command.correlation_id,
        causation_id=command.command_id,
        event=event,
    )


def _outcome(command: CommandEnvelope, remembered: RememberedOutcome) -> CommandOutcome:
    return CommandOutcome(
        command_id=command.command_id,
        correlation_id=command.correlation_id,
        aggregate_type=command.aggregate_type,
        aggregate_id=command.aggregate_id,
        status=OutcomeStatus(remembered.status),
        aggregate_version=remembered.aggregate_version,
        event_count=remembered.event_count,
        decided_at=datetime.now(UTC),
        reason=remembered.reason,
        kind=remembered.kind,
        message=remembered.message,
        details_json=remembered.details_json,
    )


def _rejected(record: AggregateRecord, rejection: DomainError) -> RememberedOutcome:
    return RememberedOutcome(
        status=OutcomeStatus.REJECTED.value,
        aggregate_version=record.version,
        event_count=0,
        reason=rejection.reason,
        kind=rejection.kind.value,
        message=rejection.message,
        details_json=json.dumps(rejection.details, default=str, ensure_ascii=False),
    )
