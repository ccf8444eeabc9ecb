"""Decode caches for records this process appended itself (embedded runtime): commands and events.

When the HTTP edge and the decider share a process, the decider would read back every command the
edge just encoded and decode the Avro again. The edge already holds the envelope, so it leaves it here
under the record's log position and the decider takes it instead of decoding (about 30 µs and a
record's worth of allocations per command). The log stays the only path between them: the record is
appended first, the decider still reads it from the log in order, and anything not found here (another
process's command, a restart, an evicted entry) is decoded from its bytes as before.

Sound because an envelope survives the wire format unchanged: ``tests/unit/test_codec.py`` round-trips
every command type to an equal envelope of the same field types.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

from tuneton.events.envelope import CommandEnvelope, EventEnvelope
from tuneton.ports import Appended, LogRecord

Envelope = TypeVar("Envelope")
CAPACITY = 10_000  # entries a stalled decider may leave behind before the oldest are dropped


class _ByPosition(Generic[Envelope]):
    """Envelopes by the log position their record was appended at; the oldest go past ``capacity``."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._by_position: OrderedDict[tuple[str, int, int], Envelope] = OrderedDict()

    def put(self, where: Appended, envelope: Envelope) -> None:
        """Remember ``envelope`` as the decoded form of the record at ``where``."""
        self._by_position[(where.topic, where.partition, where.offset)] = envelope
        while len(self._by_position) > self._capacity:
            self._by_position.popitem(last=False)

    def __len__(self) -> int:
        return len(self._by_position)


class DecodedCommands(_ByPosition[CommandEnvelope]):
    """Command envelopes by the log position their record was appended at."""

    def take(self, record: LogRecord) -> CommandEnvelope | None:
        """The envelope of ``record`` if this process appended it (and forget it), else ``None``."""
        return self._by_position.pop((record.topic, record.partition, record.offset), None)


class DecodedEvents(_ByPosition[EventEnvelope]):
    """Event envelopes by the log position the decider appended their record at, for the projectors
    of the same process (the embedded worker): they would otherwise decode every event it just encoded.

    Entries are read, not taken: two projections may read one topic (tracks and search). The oldest
    go first past ``capacity``; a projector that finds nothing decodes the record's bytes as always.
    Sound for the reason the command cache is: every event type round-trips to an equal envelope
    (``tests/unit/test_codec.py``), and the times the decider stamps are whole milliseconds, as the
    wire format keeps them (``commands.dispatch.envelope_for``).
    """

    def get(self, record: LogRecord) -> EventEnvelope | None:
        """The envelope of ``record`` if this process appended it lately, else ``None``."""
        return self._by_position.get((record.topic, record.partition, record.offset))
