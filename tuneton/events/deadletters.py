"""Which dead letters an operator means, and what replaying one appends: pure, so it is unit-tested.

A replay appends the parked record's own key and bytes to its source topic again (the same key lands
on the same partition), with a header naming the dead letter. Consumers stay idempotent: projectors
skip an event whose aggregate version they already passed, the search index rejects a stale external
version, and the decider answers a command id it has seen with its first verdict. So a replay fills a
hole (a record that could not be decoded before a fix) and is harmless otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.events.envelope import DeadLetter
from tuneton.ports import OutgoingRecord

REPLAY_HEADER = "tuneton-replay-of"


@dataclass(frozen=True, kw_only=True)
class DeadLetterFilter:
    """Every given field must match; ``None`` matches anything. Offsets are inclusive."""

    topic: str | None = None
    partition: int | None = None
    from_offset: int | None = None
    to_offset: int | None = None
    error_type: str | None = None
    key: str | None = None
    processor: str | None = None

    def matches(self, letter: DeadLetter) -> bool:
        """True when ``letter`` is one of the dead letters this filter means."""
        key = letter.key.decode("utf-8", "replace") if letter.key is not None else None
        return (
            _eq(self.topic, letter.source_topic)
            and _eq(self.partition, letter.source_partition)
            and (self.from_offset is None or letter.source_offset >= self.from_offset)
            and (self.to_offset is None or letter.source_offset <= self.to_offset)
            and _eq(self.error_type, letter.error_type)
            and _eq(self.key, key)
            and _eq(self.processor, letter.processor)
        )


def _eq(wanted: object, actual: object) -> bool:
    return wanted is None or wanted == actual


def replay_record(letter: DeadLetter) -> OutgoingRecord:
    """The record that puts ``letter``'s original back on its source topic."""
    if letter.value is None:
        raise ValueError(f"dead letter of {where(letter)} kept no value: nothing to replay")
    header = (REPLAY_HEADER, where(letter).encode())
    return OutgoingRecord(topic=letter.source_topic, key=letter.key, value=letter.value, headers=(header,))


def where(letter: DeadLetter) -> str:
    """``topic:partition@offset`` of the record that was parked."""
    return f"{letter.source_topic}:{letter.source_partition}@{letter.source_offset}"
