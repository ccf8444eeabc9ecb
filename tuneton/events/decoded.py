"""A decode cache for command records this process appended itself (embedded runtime).

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

from tuneton.events.envelope import CommandEnvelope
from tuneton.ports import Appended, LogRecord

CAPACITY = 10_000  # entries a stalled decider may leave behind before the oldest are dropped


class DecodedCommands:
    """Command envelopes by the log position their record was appended at."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._by_position: OrderedDict[tuple[str, int, int], CommandEnvelope] = OrderedDict()

    def put(self, where: Appended, envelope: CommandEnvelope) -> None:
        """Remember ``envelope`` as the decoded form of the record at ``where``."""
        self._by_position[(where.topic, where.partition, where.offset)] = envelope
        while len(self._by_position) > self._capacity:
            self._by_position.popitem(last=False)

    def take(self, record: LogRecord) -> CommandEnvelope | None:
        """The envelope of ``record`` if this process appended it (and forget it), else ``None``."""
        return self._by_position.pop((record.topic, record.partition, record.offset), None)

    def __len__(self) -> int:
        return len(self._by_position)
