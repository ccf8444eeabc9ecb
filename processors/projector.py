"""The projector step: event records become row operations plus the checkpoints that guard them."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from processors.dlq import dead_letter
from projections.registry import Projection
from tuneton.domain.readmodel import EventMeta
from tuneton.events.codec import AvroCodec
from tuneton.events.decoded import DecodedEvents
from tuneton.ports import Checkpoint, LogRecord, OutgoingRecord, RowOp

log = logging.getLogger(__name__)
Entry = tuple[list[RowOp], Checkpoint]


@dataclass(kw_only=True)
class Prepared:
    """A batch ready to persist: read-store entries and dead letters for the poison in it."""

    entries: list[Entry] = field(default_factory=list)
    dead_letters: list[OutgoingRecord] = field(default_factory=list)


class ProjectorStep:
    """Decodes events and asks the pure projection for their rows; owns no I/O."""

    def __init__(self, codec: AvroCodec, projection: Projection, *, decoded: DecodedEvents | None = None) -> None:
        self._codec = codec
        self.projection = projection
        self._decoded = decoded  # envelopes this process's decider appended (the embedded worker)

    async def prepare(self, records: Sequence[LogRecord]) -> Prepared:
        """Entries for a batch; a record that fails to decode or project becomes a dead letter."""
        prepared = Prepared()
        for record in records:
            try:
                prepared.entries.append(await self.entry(record))
            except Exception as error:  # noqa: BLE001 - any step failure is this record's fault
                log.warning("dead-lettering %s:%s@%s: %r", record.topic, record.partition, record.offset, error)
                prepared.dead_letters.append(
                    dead_letter(self._codec, record, processor=self.projection.group, error=error)
                )
                prepared.entries.append(([], self.checkpoint(record)))
        return prepared

    async def entry(self, record: LogRecord) -> Entry:
        """Rows and checkpoint for one record (raises for poison)."""
        envelope = self._decoded.get(record) if self._decoded is not None else None
        if envelope is None:
            envelope = await self._codec.decode_event(record.topic, record.value)
        meta = EventMeta(
            aggregate_id=envelope.aggregate_id,
            aggregate_version=envelope.aggregate_version,
            occurred_at=envelope.occurred_at,
            actor_id=envelope.actor_id,
        )
        ops = self.projection.project(envelope.event, meta)
        return ops, self.checkpoint(record, envelope.aggregate_id, envelope.aggregate_version)

    def checkpoint(self, record: LogRecord, aggregate_id: str | None = None, version: int = 0) -> Checkpoint:
        """The checkpoint for ``record`` (without aggregate: a skipped, dead-lettered record)."""
        return Checkpoint(
            projection=self.projection.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            aggregate_id=aggregate_id,
            aggregate_version=version,
        )

    def checkpoint_at(self, topic: str, partition: int, offset: int) -> Checkpoint:
        """The checkpoint of an offset that holds no record (a transaction marker): passed, nothing applied."""
        return Checkpoint(projection=self.projection.name, topic=topic, partition=partition, offset=offset)
