"""The largest snapshot the domain allows fits the Kafka record limit the worker and its topics are set to.

The Kafka worker writes each changed aggregate's snapshot as one changelog record per batch: the
whole state, the remembered outcomes and the outbox (the batch's event records). Faust's producer
refuses a record over ``producer_max_request_size`` and the broker one over the topic's
``max.message.bytes``; either refusal would fail the batch on every redelivery and stall its
partition. So the bounds of the domain (items, id lengths, order-key lengths, events per command) and
the record limit in ``infra/kafka/topics.yaml`` are checked together here, with a real Avro codec.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from processors import snapshots
from processors.decider import DeciderStep
from processors.faust_app import DECIDER_BATCH, changelog_topic
from processors.snapshots import RECENT_COMMANDS, RECORD_LIMIT, AggregateRecord, RememberedOutcome
from tests.fakes import InMemorySchemaRegistry
from tuneton.adapters.kafka.topicspec import load_spec
from tuneton.bootstrap import TOPICS_SPEC
from tuneton.domain.playlist import events as e
from tuneton.domain.playlist.commands import Visibility
from tuneton.domain.playlist.decider import MAX_ID, MAX_ITEMS, MAX_RANK, MAX_RESPACED, Item, Playlist
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import OutgoingRecord
from tuneton.settings import Settings

LONGEST_ID = "x" * MAX_ID
EDGE_ID = str(uuid.uuid4())  # command, event and correlation ids: the edge and the decider make UUIDs


@pytest.fixture
async def codec() -> AvroCodec:
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    return codec


def largest_playlist() -> Playlist:
    """A playlist at every bound: ``MAX_ITEMS`` items, each id and order key at its longest."""
    items = tuple(
        Item(item_id=f"{n:0{MAX_ID}d}", track_id=LONGEST_ID, rank="a0" + f"{n:0{MAX_RANK - 3}d}" + "1")
        for n in range(MAX_ITEMS)
    )
    return Playlist(
        owner_id=LONGEST_ID, name="n" * 200, description="d" * 2_000, visibility=Visibility.PUBLIC, items=items
    )


async def test_the_largest_playlist_with_its_outbox_fits_the_changelog_record_limit(codec: AvroCodec) -> None:
    """Every item at its longest, 256 remembered outcomes, and an outbox of every batch in flight.

    The outbox holds the events of the batches not yet seen delivered: up to ``decider_batches_in_flight``
    earlier ones and this one, ``DECIDER_BATCH`` commands each. Here each command decides one event,
    and one command per batch re-spaces ``MAX_RESPACED`` neighbours, each record at its longest. That
    is more than the decider's tests ever decide (about 1.0 and 1.2 events per command, docs/kafka.md);
    the rules do not forbid a worse one, where most commands of five batches re-space hundreds of
    items (docs/kafka.md says so).
    """
    step = DeciderStep(codec)
    record = AggregateRecord(version=1, state=largest_playlist())
    for n in range(RECENT_COMMANDS):
        record.remember(str(uuid.UUID(int=n)), RememberedOutcome(status="ACCEPTED", aggregate_version=n, event_count=1))
    state_only = len(snapshots.dump(record))
    batches = Settings.model_fields["decider_batches_in_flight"].default + 1  # and this batch
    record.outbox = [_moved(step, 2)] * (batches * (DECIDER_BATCH + MAX_RESPACED))
    size = len(snapshots.dump(record))
    headroom = 64 * 1024  # the record's key, headers and batch framing
    assert 2_900_000 < state_only < size, "the case is as large as the comment says"
    assert size + headroom < RECORD_LIMIT, f"{size:,} bytes"


def _moved(step: DeciderStep, version: int) -> OutgoingRecord:
    """An event record of the outbox at its longest: every id and the order key at their bounds."""
    envelope = EventEnvelope(
        event_id=EDGE_ID,
        aggregate_type="playlist",
        aggregate_id=LONGEST_ID,
        aggregate_version=version,
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        actor_id=LONGEST_ID,
        correlation_id=EDGE_ID,
        causation_id=EDGE_ID,
        event=e.ItemMoved(item_id=LONGEST_ID, rank="a" + "V" * (MAX_RANK - 1)),
    )
    return step.event_record(envelope)


def test_the_worker_and_the_changelog_topics_share_one_record_limit() -> None:
    spec = {s.name: s for s in load_spec(TOPICS_SPEC)}
    for name in topics.AGGREGATES:
        config = spec[changelog_topic(name)].config
        assert int(config["max.message.bytes"]) == RECORD_LIMIT
        assert int(config["segment.bytes"]) > RECORD_LIMIT, "a record larger than a segment is refused"
