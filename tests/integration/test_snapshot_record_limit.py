"""On a real broker: the largest snapshot the domain allows goes through the Kafka worker's producer into
a changelog topic configured as ``infra/kafka/topics.yaml`` says, and comes back whole.

Kafka's defaults refuse it twice over: the producer's ``max_request_size`` and the topic's
``max.message.bytes`` are both about 1 MB, and a long playlist's snapshot is more (before order keys
were bounded, adding tracks "after the same item" passed 1 MB near 3,000 items). A refused snapshot
fails its batch on every redelivery, so the limits are proven here against the broker, not assumed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]

from processors import snapshots
from processors.faust_app import changelog_topic, create_app
from processors.snapshots import AggregateRecord
from tests.unit.test_snapshot_bound import largest_playlist
from tuneton.adapters.kafka.admin import create_topics_from_spec
from tuneton.adapters.kafka.topicspec import load_spec
from tuneton.bootstrap import TOPICS_SPEC
from tuneton.settings import Settings

pytestmark = pytest.mark.kafka


@pytest.fixture
def topics(kafka_bootstrap: str, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A topic made from the playlist changelog's entry in topics.yaml, and one with the broker's defaults."""
    entry = {s.name: s for s in load_spec(TOPICS_SPEC)}[changelog_topic("playlist")]
    suffix = uuid.uuid4().hex[:10]
    configured, default = f"limit.{suffix}.changelog", f"limit.{suffix}.default"
    spec = tmp_path / "topics.yaml"
    spec.write_text(
        yaml.safe_dump(
            {
                "topics": [
                    {"name": configured, "partitions": 1, "config": dict(entry.config)},
                    {"name": default, "partitions": 1},
                ]
            }
        ),
        encoding="utf-8",
    )
    list(create_topics_from_spec(kafka_bootstrap, spec))
    yield configured, default
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})  # must outlive its futures
    for future in admin.delete_topics([configured, default]).values():
        future.result()


async def test_the_largest_snapshot_is_written_through_the_workers_producer_and_read_back(
    kafka_bootstrap: str, topics: tuple[str, str], tmp_path: Path
) -> None:
    configured, default = topics
    value = snapshots.dump(AggregateRecord(version=1, state=largest_playlist()))
    assert len(value) > 2 * 1024 * 1024

    app = create_app(Settings(worker_role="decider", kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path))
    await app.producer.start()
    try:
        written = await (await app.producer.send(configured, b"p-1", value, 0, None, []))
    finally:
        await app.producer.stop()

    consumer = AIOKafkaConsumer(
        configured,
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=app.conf.consumer_max_fetch_size,  # as the worker's recovery reads
    )
    await consumer.start()
    try:
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert (record.offset, record.key, record.value) == (written.offset, b"p-1", value)

    # The defaults the two settings replace: each alone refuses the record.
    with pytest.raises(MessageSizeTooLargeError):
        await _send_with(kafka_bootstrap, None, configured, value)  # the producer's default 1 MB
    with pytest.raises(MessageSizeTooLargeError):
        await _send_with(kafka_bootstrap, snapshots.RECORD_LIMIT, default, value)  # the topic's default


async def _send_with(bootstrap: str, max_request_size: int | None, topic: str, value: bytes) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, **({} if max_request_size is None else {"max_request_size": max_request_size})
    )
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=b"p-1")
    finally:
        await producer.stop()
