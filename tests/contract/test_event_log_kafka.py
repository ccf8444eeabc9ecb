"""The EventLog contract on a real Kafka broker, plus the transactional behaviour only Kafka has.

Kafka-only facts pinned here because code elsewhere depends on them (docs/kafka.md): aborted records
and commit markers take offsets, and an open transaction holds back every read_committed reader of
its partition, including records appended outside any transaction after it began.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from confluent_kafka.admin import AdminClient

from tests.contract.event_log_contract import (
    CREATED_TOPICS,
    EventLogContract,
    FailingRecord,
    new_topic,
    read,
    read_quiet,
    record,
)
from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.log import KafkaEventLog
from tuneton.ports import EventLog, OutgoingRecord, StateWrite

pytestmark = pytest.mark.kafka

TOO_LARGE = 2 * 1024 * 1024  # above the producer's max_request_size (1 MiB): refused before sending


class TestKafkaEventLog(EventLogContract):
    @pytest.fixture
    async def log(self, kafka_bootstrap: str) -> AsyncIterator[EventLog]:
        first = len(CREATED_TOPICS)
        event_log = KafkaEventLog(kafka_bootstrap, client_id="tuneton-contract")
        await event_log.start()
        yield event_log
        await event_log.close()
        # Leave the shared broker as found: delete exactly the uuid-named topics this test created.
        if created := CREATED_TOPICS[first:]:
            admin = AdminClient({"bootstrap.servers": kafka_bootstrap})
            for future in admin.delete_topics(created).values():
                future.result()

    @pytest.fixture
    def failing_record(self) -> FailingRecord:
        def make(sink: str) -> tuple[OutgoingRecord, type[BaseException]]:
            return record(sink, b"k", b"x" * TOO_LARGE), KafkaAdapterError

        return make

    async def test_state_writes_are_refused(self, log: KafkaEventLog) -> None:
        topic = await new_topic(log)
        with pytest.raises(ValueError, match="Faust"):
            await log.transact(
                [], group="g", positions=[(topic, 0, 1)], state=[StateWrite(store="s", key="k", value=b"")]
            )

    async def test_aborted_records_take_offsets(self, log: KafkaEventLog, kafka_bootstrap: str) -> None:
        sink = await new_topic(log)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=f"abort-{uuid.uuid4()}")
        await producer.start()
        try:
            await producer.begin_transaction()
            await (await producer.send(sink, key=b"k", value=b"lost"))  # acknowledged: in the log
            await producer.abort_transaction()
        finally:
            await producer.stop()
        assert await _settled_end(log, sink, markers_at=1) == 2  # 'lost' at 0, the ABORT control record at 1
        sentinel = (await log.append([record(sink, b"k", b"sentinel")]))[0]
        sub = await log.subscribe([sink], group=None)
        got = await read(sub, 1)
        await sub.close()
        assert sentinel.offset == 2
        assert [(r.offset, r.value) for r in got] == [(2, b"sentinel")]

    async def test_a_commit_marker_takes_an_offset(self, log: KafkaEventLog) -> None:
        sink = await new_topic(log)
        appended = await log.transact([record(sink, b"k", b"1"), record(sink, b"k", b"2")], group="g", positions=[])
        assert [a.offset for a in appended] == [0, 1]
        ends = await _settled_end(log, sink, markers_at=2)
        assert ends == 3  # records 0, 1 and the COMMIT control record at 2
        sub = await log.subscribe([sink], group=None, from_beginning=False)
        await log.append([record(sink, b"k", b"after")])
        assert [r.offset for r in await read(sub, 1)] == [3]
        await sub.close()

    async def test_an_open_transaction_holds_back_later_plain_records(
        self, log: KafkaEventLog, kafka_bootstrap: str
    ) -> None:
        sink = await new_topic(log)
        producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, transactional_id=f"open-{uuid.uuid4()}")
        await producer.start()
        try:
            await producer.begin_transaction()
            await (await producer.send(sink, key=b"k", value=b"in-txn"))
            await log.append([record(sink, b"k", b"plain")])
            sub = await log.subscribe([sink], group=None)
            assert await read_quiet(sub, quiet_s=1.0) == []  # blocked at the last stable offset
            assert await log.end_offsets(sink) == {0: 0}
            await producer.commit_transaction()
            got = await read(sub, 2)
            await sub.close()
        finally:
            await producer.stop()
        assert [r.value for r in got] == [b"in-txn", b"plain"]

    async def test_closing_the_log_closes_its_subscriptions(self, log: KafkaEventLog) -> None:
        topic = await new_topic(log)
        forgotten = await log.subscribe([topic], group=f"g-{uuid.uuid4().hex}")
        closed = await log.subscribe([topic], group=None)
        await closed.close()
        await log.close()
        with pytest.raises(KafkaAdapterError):
            await forgotten.poll(wait_s=0.1)

    async def test_unique_transactional_ids_per_log(self, kafka_bootstrap: str) -> None:
        first, second = KafkaEventLog(kafka_bootstrap), KafkaEventLog(kafka_bootstrap)
        assert first.transactional_id != second.transactional_id
        assert KafkaEventLog(kafka_bootstrap, transactional_id="tuneton-decider-0").transactional_id == (
            "tuneton-decider-0"
        )

    async def test_a_sequence_hole_costs_one_append_not_all_later_ones(self, log: KafkaEventLog) -> None:
        """A batch that expires after its sequence number was taken (a broker away longer than the request
        timeout) leaves a hole: the broker refuses every later batch with OutOfOrderSequenceNumber and
        aiokafka's sender gives up. The log retires that producer, so only the append that met the hole fails.
        """
        topic = await new_topic(log)
        await log.append([record(topic, b"k", b"before")])
        producer = log._producer
        assert producer is not None
        producer._txn_manager.increment_sequence_number(TopicPartition(topic, 0), 3)
        with pytest.raises(KafkaAdapterError, match="OutOfOrderSequenceNumber"):
            await log.append([record(topic, b"k", b"into the hole")])
        await log.check_writable()  # what /readyz calls: a new producer starts here
        appended = await log.append([record(topic, b"k", b"after")])
        assert appended[0].offset == 1
        sub = await log.subscribe([topic], group=None)
        assert [r.value for r in await read(sub, 2)] == [b"before", b"after"]


async def _settled_end(log: KafkaEventLog, topic: str, markers_at: int, *, timeout_s: float = 10.0) -> int:
    """Partition 0's end offset once the transaction marker at ``markers_at`` is written: the
    coordinator writes COMMIT/ABORT markers after commit_transaction/abort_transaction return."""
    deadline = time.monotonic() + timeout_s
    end = (await log.end_offsets(topic))[0]
    while end <= markers_at and time.monotonic() < deadline:
        end = (await log.end_offsets(topic))[0]
    return end
