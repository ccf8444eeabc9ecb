"""Dead-letter routing: a record no processor can handle is parked with its reason, never retried
in a loop. The record's bytes are kept verbatim so an operator can repair and replay it."""

from __future__ import annotations

from datetime import UTC, datetime

from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import DeadLetter
from tuneton.ports import LogRecord, OutgoingRecord


def dead_letter(codec: AvroCodec, record: LogRecord, *, processor: str, error: BaseException) -> OutgoingRecord:
    """The DLQ record for ``record`` that ``processor`` failed on with ``error``."""
    letter = DeadLetter(
        source_topic=record.topic,
        source_partition=record.partition,
        source_offset=record.offset,
        processor=processor,
        error_type=type(error).__name__,
        error=str(error)[:4000],
        key=record.key,
        value=record.value,
        failed_at=datetime.now(UTC),
    )
    return OutgoingRecord(topic=topics.DEADLETTER, key=record.key, value=codec.encode_deadletter(letter))
