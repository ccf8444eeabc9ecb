"""The EventLog port on Kafka through aiokafka (asyncio-native, the client faust-streaming uses too).

Two producers per process: an idempotent one for plain appends (``acks=all``, no duplicates on
retry) and, created on first use, a transactional one for the consume-transform-produce step, so API
processes that only append never pay for ``InitProducerId`` or need the transaction log. Keys land in
the partition of Kafka's Java default partitioner (murmur2), as in the embedded log.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError, for_code

from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.subscription import (
    KafkaSubscription,
    consumer,
    open_subscription,
    partitions_of,
    refresh_metadata,
)
from tuneton.ports import Appended, EventLog, OutgoingRecord, StateWrite


class KafkaEventLog(EventLog):
    """EventLog on a Kafka cluster at ``bootstrap`` (``host:port[,host:port]``).

    :param transactional_id: id of the transactional producer; pass a stable one per processor
        instance to get zombie fencing across restarts (the default is unique per process).
    :param replication_factor: used by ``ensure_topics`` only (production topics come from
        ``tuneton kafka init`` and ``infra/kafka/topics.yaml``).
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        transactional_id: str | None = None,
        client_id: str = "tuneton",
        replication_factor: int = 1,
        request_timeout_ms: int = 30_000,
    ) -> None:
        self._bootstrap = bootstrap
        self._transactional_id = transactional_id or f"tuneton-{uuid.uuid4()}"
        self._client_id = client_id
        self._replication_factor = replication_factor
        self._request_timeout_ms = request_timeout_ms
        self._producer: AIOKafkaProducer | None = None
        self._txn_producer: AIOKafkaProducer | None = None
        self._meta: AIOKafkaConsumer | None = None
        self._txn_lock = asyncio.Lock()  # a producer runs one transaction at a time
        self._subscriptions: set[KafkaSubscription] = set()  # closed with the log, as embedded ones die with it

    @property
    def transactional_id(self) -> str:
        """The id the transactional producer registers with the transaction coordinator."""
        return self._transactional_id

    async def start(self) -> None:
        """Start the idempotent producer; idempotent."""
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            enable_idempotence=True,
            acks="all",
            request_timeout_ms=self._request_timeout_ms,
        )
        await _start(producer, "producer")
        self._producer = producer

    async def close(self) -> None:
        """Close subscriptions still open, then stop producers and the metadata consumer; idempotent."""
        for subscription in list(self._subscriptions):
            with contextlib.suppress(KafkaError):
                await subscription.close()
        for client in (self._producer, self._txn_producer, self._meta):
            if client is not None:
                with contextlib.suppress(KafkaError):
                    await client.stop()
        self._producer = self._txn_producer = self._meta = None

    async def ensure_topics(self, partitions: Mapping[str, int]) -> None:
        """Create missing topics; an existing one (TOPIC_ALREADY_EXISTS) is left as it is."""
        if not partitions:
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, client_id=self._client_id)
        new = [NewTopic(name, count, self._replication_factor) for name, count in partitions.items()]
        try:
            await admin.start()
            response = await admin.create_topics(new, timeout_ms=self._request_timeout_ms)
        except KafkaError as error:
            raise KafkaAdapterError(f"cannot create topics {list(partitions)}: {error!r}") from error
        finally:
            await admin.close()
        for name, code, *_ in response.topic_errors:
            error_type = for_code(code)
            if code != 0 and error_type is not TopicAlreadyExistsError:
                raise KafkaAdapterError(f"cannot create topic {name}: {error_type.__name__}")
        await self._await_metadata(partitions)

    async def _await_metadata(self, partitions: Mapping[str, int]) -> None:
        """Wait until the broker's metadata lists the topics: CreateTopics answers before it does (KRaft)."""
        meta = await self._metadata_consumer()
        async with asyncio.timeout(self._request_timeout_ms / 1000):
            while True:
                await refresh_metadata(meta)
                if all(meta.partitions_for_topic(name) for name in partitions):
                    return
                await asyncio.sleep(0.05)

    async def append(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        """Send all, then wait for all acks; positions come back in input order.

        Not atomic across records (use ``transact`` for that): on a failure some may have landed.
        """
        producer = self._started()
        futures: list[asyncio.Future[Any]] = []
        try:
            await _queue(producer, records, futures)
            return await _acknowledged(futures)
        except BaseException as error:
            _drain(futures)
            if isinstance(error, KafkaError):
                raise KafkaAdapterError(f"append failed: {error!r}") from error
            raise

    async def transact(
        self,
        records: Sequence[OutgoingRecord],
        *,
        group: str,
        positions: Sequence[tuple[str, int, int]],
        state: Sequence[StateWrite] = (),
    ) -> list[Appended]:
        """One producer transaction: records plus the group's offsets, committed or aborted together.

        ``commit_transaction`` returns once the coordinator logged the commit; the markers reach the
        partitions (and the offsets the group coordinator) a few milliseconds later, so readers see
        the result shortly after, never a part of it.
        """
        if state:
            raise ValueError("the Kafka log keeps no state store: processor state lives in Faust tables")
        if not records and not positions:
            return []
        async with self._txn_lock:
            producer = await self._transactional()
            futures: list[asyncio.Future[Any]] = []
            try:
                await producer.begin_transaction()
                await _queue(producer, records, futures)
                if positions:
                    offsets = {TopicPartition(t, p): o for t, p, o in positions}
                    await producer.send_offsets_to_transaction(offsets, group)
                appended = await _acknowledged(futures)
                await producer.commit_transaction()
            except BaseException as error:
                _drain(futures)
                await self._abort(producer)
                if isinstance(error, KafkaError):
                    raise KafkaAdapterError(f"transaction aborted: {error!r}") from error
                raise
        return appended

    async def subscribe(
        self, topics: Sequence[str], *, group: str | None, from_beginning: bool = True
    ) -> KafkaSubscription:
        """A read_committed consumer whose positions are resolved before this returns."""
        subscription = await open_subscription(
            self._bootstrap, topics, group=group, from_beginning=from_beginning, client_id=self._client_id
        )
        self._subscriptions.add(subscription)
        subscription.on_close(self._subscriptions.discard)
        return subscription

    async def end_offsets(self, topic: str) -> dict[int, int]:
        """Last stable offset per partition: the end a read_committed consumer can reach.

        Equal to the high-water mark unless a transaction is open on the partition. A transaction's
        commit marker takes an offset too, so the end may be one past the last record's offset + 1.
        """
        meta = await self._metadata_consumer()
        try:
            tps = await partitions_of(meta, topic)
            ends = await meta.end_offsets(tps)
        except KafkaError as error:
            raise KafkaAdapterError(f"end offsets of {topic} failed: {error!r}") from error
        return {tp.partition: int(end) for tp, end in ends.items()}

    def _started(self) -> AIOKafkaProducer:
        if self._producer is None:
            raise RuntimeError("event log not started")
        return self._producer

    async def _transactional(self) -> AIOKafkaProducer:
        """The transactional producer, started (InitProducerId) on first use."""
        if self._txn_producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id=f"{self._client_id}-txn",
                transactional_id=self._transactional_id,
                enable_idempotence=True,
                acks="all",
                request_timeout_ms=self._request_timeout_ms,
            )
            await _start(producer, "transactional producer")
            self._txn_producer = producer
        return self._txn_producer

    async def _abort(self, producer: AIOKafkaProducer) -> None:
        """Abort; if that fails too (fenced, fatal state) drop the producer: the next call starts afresh."""
        try:
            await producer.abort_transaction()
        except (KafkaError, AssertionError, RuntimeError):
            self._txn_producer = None
            with contextlib.suppress(KafkaError):
                await producer.stop()

    async def _metadata_consumer(self) -> AIOKafkaConsumer:
        if self._meta is None:
            meta = consumer(self._bootstrap, group=None, client_id=f"{self._client_id}-meta")
            await _start(meta, "metadata consumer")
            self._meta = meta
        return self._meta


async def _start(client: AIOKafkaProducer | AIOKafkaConsumer, what: str) -> None:
    try:
        await client.start()
    except KafkaError as error:
        with contextlib.suppress(KafkaError):
            await client.stop()
        raise KafkaAdapterError(f"cannot start Kafka {what}: {error!r}") from error


async def _queue(
    producer: AIOKafkaProducer, records: Sequence[OutgoingRecord], futures: list[asyncio.Future[Any]]
) -> None:
    """Hand ``records`` to the producer in order, collecting one delivery future per record."""
    for record in records:
        futures.append(
            await producer.send(record.topic, value=record.value, key=record.key, headers=list(record.headers) or None)
        )


async def _acknowledged(futures: list[asyncio.Future[Any]]) -> list[Appended]:
    """Positions of the acknowledged records, in input order."""
    metadata = await asyncio.gather(*futures)
    return [Appended(topic=m.topic, partition=m.partition, offset=m.offset) for m in metadata]


def _drain(futures: list[asyncio.Future[Any]]) -> None:
    """Retrieve the outcome of every delivery future of a failed call, whenever it settles.

    Without this asyncio logs "exception was never retrieved" for each record of the batch.
    """
    for future in futures:
        future.add_done_callback(_retrieve)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
