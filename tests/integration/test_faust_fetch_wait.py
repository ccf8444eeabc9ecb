"""The Faust worker's consumer fetches with ``worker_fetch_max_wait_ms``, not faust-streaming's fixed 1.5 s,
and with ``worker_idle_fetch_max_wait_ms`` when a fetch leaves no partition out.

processors/faust_transport.py sets the wait on aiokafka's consumer before it starts (there is no public
setting). This builds the worker's consumer the way Faust does, starts it against the real broker and
reads the waits its Fetcher was given and puts on the fetches it sends: if a new aiokafka keeps the
value elsewhere, this fails instead of the worker quietly fetching with 1.5 s again.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from processors import faust_transport
from processors.faust_app import create_app
from tuneton.settings import Settings

pytestmark = pytest.mark.kafka


def _started_fetch_wait(settings: Settings) -> int:
    app = create_app(settings)
    assert type(app.transport) is faust_transport.Transport  # chosen by the broker URL's scheme

    async def run() -> int:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # what Faust calls
        await consumer.start()
        try:
            return int(consumer._fetcher._fetch_max_wait_ms)  # what aiokafka fetches with
        finally:
            await consumer.stop()

    return asyncio.run(run())


def test_the_worker_fetches_with_the_configured_wait(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, worker_fetch_max_wait_ms=37)
    assert _started_fetch_wait(settings) == 37


def test_the_default_wait_is_short(kafka_bootstrap: str, tmp_path: Path) -> None:
    assert _started_fetch_wait(Settings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path)) == 20


def test_fetch_wait_is_long_only_when_the_fetch_leaves_no_partition_out() -> None:
    assert faust_transport.fetch_wait_ms(3, 3, busy_ms=20, idle_ms=500) == 500
    assert faust_transport.fetch_wait_ms(2, 3, busy_ms=20, idle_ms=500) == 20


def _fresh_topic(bootstrap: str, partitions: int) -> str:
    name = f"fetch-wait-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, partitions, 1)])[name].result(30)  # the admin must outlive the call
    return name


async def _until(condition: Callable[[], bool], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_a_fetch_waits_long_unless_it_leaves_out_a_partition_still_being_read(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    settings = Settings(
        kafka_bootstrap=kafka_bootstrap,
        data_dir=tmp_path,
        worker_fetch_max_wait_ms=20,
        worker_idle_fetch_max_wait_ms=300,
    )
    topic = _fresh_topic(kafka_bootstrap, 2)
    app = create_app(settings)

    async def run() -> None:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)
        await consumer.start()
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
        await producer.start()
        fetcher = consumer._fetcher
        sent: list[tuple[int, int]] = []  # (partitions named, wait) of every fetch built
        actions_of = fetcher._get_actions_per_node

        def recorded(assignment: Any) -> Any:
            actions = actions_of(assignment)
            sent.extend((sum(len(p) for _, p in r.topics), r._max_wait_ms) for _, r in actions[0])
            return actions

        fetcher._get_actions_per_node = recorded
        try:
            consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
            await consumer.seek_to_end()
            await _until(lambda: len(sent) >= 2)
            assert sent[-1] == (2, 300)  # nothing to read: the broker may hold it until a record comes
            await producer.send_and_wait(topic, b"held", partition=0)
            partition_0 = TopicPartition(topic, 0)
            await _until(lambda: partition_0 in fetcher._records)  # fetched, not taken by the consumer
            sent.clear()
            await _until(lambda: (1, 20) in sent)  # the fetch leaves partition 0 out: short
            await _until(lambda: sent[-1] == (1, 300), timeout_s=5)  # unread for longer than the long wait
            records = await consumer.getmany(partition_0, timeout_ms=1000)
            assert [r.value for r in records[partition_0]] == [b"held"]
            sent.clear()
            await _until(lambda: (2, 300) in sent)  # taken: every partition is fetched again, waiting long
            assert (1, 20) not in sent[sent.index((2, 300)) :]
        finally:
            await producer.stop()
            await consumer.stop()

    asyncio.run(run())
