"""The Faust decider's batch: snapshot (with its outbox) first, and an outbox nobody saw delivered is sent again.

The case this guards, seen in the worker-SIGKILL fault test: the events of a command were sent, its
snapshot was lost with the worker, and Faust never redelivered the command; the next command then
reused the version. With the outbox the snapshot is written first and carries the events, so the
next worker sends them again before deciding anything new on that aggregate.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from commands.dispatch import envelope_for
from processors import snapshots
from processors.decider import DeciderStep
from processors.decider_batch import DecidedBatch, DecodedSnapshots, Slot, decide_batch
from tests.fakes import InMemorySchemaRegistry
from tuneton.domain.playlist.commands import AddTrack, CreatePlaylist, RenamePlaylist
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import LogRecord

PLAYLIST = "p-1"
SLOT: Slot = ("playlist", PLAYLIST.encode())


@pytest.fixture
async def codec() -> AvroCodec:
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    return codec


def _command(codec: AvroCodec, offset: int, command: object, command_id: str) -> LogRecord:
    envelope = envelope_for(command, aggregate_id=PLAYLIST, actor_id="alice", command_id=command_id)
    return LogRecord(
        topic=topics.COMMANDS,
        partition=0,
        offset=offset,
        key=PLAYLIST.encode(),
        value=codec.encode_command(envelope),
        timestamp_ms=0,
        headers=(),
    )


async def _decide(
    codec: AvroCodec, records: list[LogRecord], table: dict[Slot, bytes], delivered: dict[Slot, int]
) -> DecidedBatch:
    batch = await decide_batch(DeciderStep(codec), records, table.get, delivered, processor="test")
    table.update(batch.snapshots)
    return batch


def _created(codec: AvroCodec) -> LogRecord:
    return _command(codec, 0, CreatePlaylist(playlist_id=PLAYLIST, name="x"), "command-0")


def _added(codec: AvroCodec) -> LogRecord:
    return _command(codec, 1, AddTrack(playlist_id=PLAYLIST, item_id="i-1", track_id="t-1"), "command-1")


def _events(batch: DecidedBatch) -> list[bytes | None]:
    return [r.value for r in batch.outgoing if r.topic == topics.PLAYLIST_EVENTS]


async def test_the_snapshot_carries_the_events_it_was_decided_with(codec: AvroCodec) -> None:
    table: dict[Slot, bytes] = {}
    created = _command(codec, 0, CreatePlaylist(playlist_id=PLAYLIST, name="x"), "command-0")
    added = _command(codec, 1, AddTrack(playlist_id=PLAYLIST, item_id="i-1", track_id="t-1"), "command-1")
    batch = await _decide(codec, [created, added], table, {})
    assert len(_events(batch)) == 2
    assert [r.topic for r in batch.outgoing].count(topics.OUTCOMES) == 2
    assert batch.delivered == {SLOT: 2}
    stored = snapshots.load(table[SLOT], topics.AGGREGATES["playlist"])
    assert [r.value for r in stored.outbox] == _events(batch), "the outbox is exactly the batch's events"


async def test_an_outbox_nobody_saw_delivered_is_sent_again_first(codec: AvroCodec) -> None:
    table: dict[Slot, bytes] = {}
    first = await _decide(codec, [_created(codec)], table, {})
    # The worker died after the snapshot was durable; the next one has seen nothing delivered.
    added = _command(codec, 1, AddTrack(playlist_id=PLAYLIST, item_id="i-1", track_id="t-1"), "command-1")
    second = await _decide(codec, [added], table, {})
    assert _events(second)[0] == _events(first)[0], "the lost events go out again, before the new ones"
    assert len(_events(second)) == 2
    assert second.delivered == {SLOT: 2}


async def test_a_delivered_outbox_is_not_sent_again(codec: AvroCodec) -> None:
    table: dict[Slot, bytes] = {}
    delivered: dict[Slot, int] = {}
    first = await _decide(codec, [_created(codec)], table, delivered)
    delivered.update(first.delivered)  # what the agent does once the sends are acknowledged
    added = _command(codec, 1, AddTrack(playlist_id=PLAYLIST, item_id="i-1", track_id="t-1"), "command-1")
    second = await _decide(codec, [added], table, delivered)
    assert len(_events(second)) == 1


async def test_an_outbox_an_earlier_batch_in_flight_sends_is_kept_but_not_sent_twice(codec: AvroCodec) -> None:
    """The pipelined decider: batch 2 is decided while batch 1's events are on their way."""
    table: dict[Slot, bytes] = {}
    first = await _decide(codec, [_created(codec)], table, {})
    scheduled = dict(first.delivered)  # batch 1 is in flight: it sends its outbox before batch 2's records
    second = await decide_batch(
        DeciderStep(codec), [_added(codec)], table.get, {}, processor="test", scheduled=scheduled
    )
    assert len(_events(second)) == 1, "batch 1's event is not sent again"
    stored = snapshots.load(second.snapshots[SLOT], topics.AGGREGATES["playlist"])
    assert [r.value for r in stored.outbox] == [*_events(first), *_events(second)], (
        "until batch 1 is known delivered, the new snapshot carries its events too"
    )


def _script(codec: AvroCodec) -> list[list[LogRecord]]:
    """Batches of commands on one playlist, a retried command id among them."""
    add = [AddTrack(playlist_id=PLAYLIST, item_id=f"i-{n}", track_id=f"t-{n}") for n in range(6)]
    return [
        [_created(codec), _command(codec, 1, add[0], "c-1")],
        [_command(codec, 2, add[1], "c-2"), _command(codec, 3, add[1], "c-2")],  # a retry: the same outcome
        [_command(codec, 4, RenamePlaylist(playlist_id=PLAYLIST, name="y"), "c-4")],
        [_command(codec, 5 + n, add[2 + n], f"c-{5 + n}") for n in range(4)],
    ]


async def test_decoded_snapshots_decide_exactly_as_the_stored_bytes_do(codec: AvroCodec) -> None:
    """Same snapshots, same records sent, batch after batch, with and without the decoded cache."""
    plain: dict[Slot, bytes] = {}
    cached: dict[Slot, bytes] = {}
    decoded = DecodedSnapshots()
    for records in _script(codec):
        expected = await _decide(codec, records, plain, {})
        batch = await decide_batch(DeciderStep(codec), records, cached.get, {}, processor="test", decoded=decoded)
        cached.update(batch.snapshots)
        assert batch.snapshots == expected.snapshots
        assert await _sent(codec, batch) == await _sent(codec, expected)


async def _sent(codec: AvroCodec, batch: DecidedBatch) -> list[tuple[str, bytes | None, object]]:
    """What a batch sends, outcomes without the moment they were decided at."""
    sent: list[tuple[str, bytes | None, object]] = []
    for record in batch.outgoing:
        if record.topic == topics.OUTCOMES:
            sent.append((record.topic, record.key, replace(await codec.decode_outcome(record.value), decided_at=None)))
        else:
            sent.append((record.topic, record.key, record.value))
    return sent


async def test_a_snapshot_another_worker_wrote_is_decoded_not_taken_from_the_cache(codec: AvroCodec) -> None:
    """After a rebalance the table may hold a newer snapshot than the one this worker decoded."""
    table: dict[Slot, bytes] = {}
    decoded = DecodedSnapshots()
    first = await decide_batch(DeciderStep(codec), [_created(codec)], table.get, {}, processor="test", decoded=decoded)
    table.update(first.snapshots)
    await _decide(codec, [_command(codec, 1, RenamePlaylist(playlist_id=PLAYLIST, name="y"), "c-1")], table, {})
    third = await decide_batch(DeciderStep(codec), [_added(codec)], table.get, {}, processor="test", decoded=decoded)
    stored = snapshots.load(third.snapshots[SLOT], topics.AGGREGATES["playlist"])
    assert (stored.version, stored.state.name) == (3, "y"), "decided on the other worker's snapshot"


async def test_the_cache_forgets_the_least_recently_used_aggregates(codec: AvroCodec) -> None:
    decoded = DecodedSnapshots(size=1)
    record = snapshots.load(None, topics.AGGREGATES["playlist"])
    decoded.keep(("playlist", b"a"), b"A", record)
    decoded.keep(("playlist", b"b"), b"B", record)
    assert decoded.load(("playlist", b"b"), b"B") is not record, "a copy, never the cached record itself"
    assert decoded.load(("playlist", b"b"), b"B").version == record.version
    with pytest.raises(ValueError, match="JSON"):  # forgotten: the bytes are decoded, and these are not JSON
        decoded.load(("playlist", b"a"), b"A")
