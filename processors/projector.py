"""The projector step: an event record becomes row operations plus the checkpoint that guards them."""

from __future__ import annotations

from projections.registry import Projection
from tuneton.domain.readmodel import EventMeta
from tuneton.events.codec import AvroCodec
from tuneton.ports import Checkpoint, LogRecord, RowOp

Entry = tuple[list[RowOp], Checkpoint]


class ProjectorStep:
    """Decodes an event and asks the pure projection for its rows; owns no I/O."""

    def __init__(self, codec: AvroCodec, projection: Projection) -> None:
        self._codec = codec
        self.projection = projection

    async def entry(self, record: LogRecord) -> Entry:
        """Rows and checkpoint for one record (raises ``EventContractError`` for poison)."""
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
