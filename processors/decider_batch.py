"""One decider batch on Faust: what to write to the snapshot tables and what to send, in which order.

The Faust host cannot commit state, events and the command offset atomically (docs/kafka.md), and
Faust may skip a command after a rebalance rather than redeliver it (seen in the SIGKILL fault test:
a command whose events were sent but whose snapshot was not durable was never decided again, and the
next command reused its version). So the snapshot goes first, carrying its *outbox*: the event
records of the batch. Then the outbox and the outcomes are sent. A crash before the snapshot is
durable leaves no trace (no outcome either: the client retries); a crash after it leaves an outbox
that the next worker to touch the aggregate sends again before deciding anything new for it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from processors import snapshots
from processors.decider import DeciderStep, decide_each
from processors.snapshots import AggregateRecord
from tuneton.events import topics
from tuneton.events.envelope import CommandEnvelope
from tuneton.ports import LogRecord, OutgoingRecord

Slot = tuple[str, bytes]  # (aggregate type, aggregate id)


@dataclass
class DecidedBatch:
    """Snapshots to make durable first, then the records to send, then the versions now delivered."""

    snapshots: dict[Slot, bytes] = field(default_factory=dict)
    outgoing: list[OutgoingRecord] = field(default_factory=list)
    delivered: dict[Slot, int] = field(default_factory=dict)
    dead_letters: int = 0


class DecodedSnapshots:
    """Decoded snapshots of recently decided aggregates, each with the exact bytes it stands for.

    Decoding an aggregate's JSON snapshot for every batch was a tenth of the Faust worker's CPU (a
    playlist of a hundred items is a 20 KB snapshot). A decoded record is used only while the table
    still holds the very bytes it was decoded from or dumped to, so a rebalance, a table recovery or
    another worker's write can never make it stale: any other bytes are decoded afresh. The records
    handed out are copies (``snapshots.copy``), so a batch that fails halfway leaves the cache as it
    was. Least recently used aggregates are dropped beyond ``size``.
    """

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._entries: OrderedDict[Slot, tuple[bytes, AggregateRecord]] = OrderedDict()

    def load(self, slot: Slot, data: bytes | None) -> AggregateRecord:
        """The record ``data`` (the table's current bytes for ``slot``) decodes to, decoded only on a miss."""
        entry = self._entries.get(slot)
        if data is not None and entry is not None and (entry[0] is data or entry[0] == data):
            self._entries.move_to_end(slot)
            return snapshots.copy(entry[1])
        return _loaded(slot[0], data)

    def keep(self, slot: Slot, data: bytes, record: AggregateRecord) -> None:
        """Remember that ``data`` decodes to ``record`` (which nobody may mutate afterwards)."""
        if record.item_rows is None:  # its next dumps reuse the rows of unchanged items
            record.item_rows = {}
        self._entries[slot] = (data, record)
        self._entries.move_to_end(slot)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)


async def decide_batch(
    step: DeciderStep,
    records: list[LogRecord],
    stored: Callable[[Slot], bytes | None],
    delivered: Mapping[Slot, int],
    *,
    processor: str,
    scheduled: Mapping[Slot, int] | None = None,
    decoded: DecodedSnapshots | None = None,
) -> DecidedBatch:
    """Decide ``records`` in order.

    ``delivered`` holds the snapshot versions whose outbox this process saw acknowledged;
    ``scheduled`` those whose outbox an earlier batch still in flight sends before this one's records
    (the pipelined decider, :mod:`processors.decider_pipeline`). A scheduled outbox is not sent again,
    but stays in the new snapshot's outbox until it is known delivered: if its batch fails, the
    snapshot still carries those events for the next worker. ``decoded`` spares decoding the
    snapshots of aggregates decided before (it learns this batch's dumps).
    """
    batch = DecidedBatch()
    current: dict[Slot, AggregateRecord] = {}
    outbox: dict[Slot, list[OutgoingRecord]] = {}
    cache = decoded if decoded is not None else DecodedSnapshots(size=0)

    async def load(command: CommandEnvelope) -> AggregateRecord:
        slot = (command.aggregate_type, command.aggregate_id.encode())
        if slot not in current:
            current[slot] = cache.load(slot, stored(slot))
            outbox[slot] = _undelivered(current[slot], delivered.get(slot))
            if scheduled is None or scheduled.get(slot) != current[slot].version:
                batch.outgoing.extend(outbox[slot])  # first, so the partition keeps version order
        return current[slot]

    async for decision in decide_each(step, records, load, processor=processor):
        if isinstance(decision, OutgoingRecord):  # a dead letter
            batch.outgoing.append(decision)
            batch.dead_letters += 1
            continue
        command, result = decision.command, decision.result
        slot = (command.aggregate_type, command.aggregate_id.encode())
        batch.outgoing.extend(result.outputs)
        if result.changed:
            current[slot] = result.record
            outbox[slot].extend(out for out in result.outputs if out.topic != topics.OUTCOMES)
            batch.snapshots[slot] = b""  # filled below, once per aggregate
    for slot, aggregate in current.items():
        if slot in batch.snapshots:
            aggregate.outbox = outbox[slot]
            batch.snapshots[slot] = snapshots.dump(aggregate)
            cache.keep(slot, batch.snapshots[slot], aggregate)
        batch.delivered[slot] = aggregate.version
    return batch


def _loaded(aggregate_type: str, data: bytes | None) -> AggregateRecord:
    return snapshots.load(data, topics.AGGREGATES[aggregate_type])


def _undelivered(aggregate: AggregateRecord, delivered_version: int | None) -> list[OutgoingRecord]:
    """The outbox of a snapshot this process has not seen delivered (written by a crashed worker, say)."""
    return [] if delivered_version == aggregate.version else list(aggregate.outbox)
