"""The EventLog port on Kafka through aiokafka (asyncio-native, the client faust-streaming uses too).

Two producers per process: an idempotent one for plain appends (``acks=all``, no duplicates on
retry) and, created on first use, a transactional one for the consume-transform-produce step, so API
processes that only append never pay for ``InitProducerId`` or need the transaction log. Keys land in
the partition of Kafka's Java default partitioner (murmur2), as in the embedded log.

An idempotent producer whose batch expired or failed has a hole in its sequence numbers: every later
batch to that partition is refused with ``OutOfOrderSequenceNumber``, for good (measured: after a
broker outage longer than the 30-s request timeout, every command answered 500 until a restart; see
``test_a_sequence_hole_costs_one_append_not_all_later_ones``). So
a failed append retires its producer; the next append, or the readiness probe, starts a new one with
a new producer id.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, MessageSizeTooLargeError, TopicAlreadyExistsError, for_code

from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.subscription import (
    KafkaSubscription,
    consumer,
    open_subscription,
    partitions_of,
    refresh_metadata,
)
from tuneton.ports import Appended, EventLog, OutgoingRecord, StateWrite

log = logging.getLogger(__name__)
RETIRED_STOP_S = 5.0


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
        self._producer_lock = asyncio.Lock()  # one (re)start at a time, however many appends wait
        self._retired: set[asyncio.Task[None]] = set()  # producers being stopped in the background
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
        await self._appender()

    async def check_writable(self) -> None:
        """Raise ``KafkaAdapterError`` unless an append producer runs (starting a new one if it was retired)."""
        await self._appender()

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
        if self._retired:  # a retired producer waits for its batches: not forever when the broker is away
            _, stuck = await asyncio.wait(self._retired, timeout=RETIRED_STOP_S)
            for task in stuck:
                task.cancel()

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
        producer = await self._appender()
        futures: list[asyncio.Future[Any]] = []
        try:
            await _queue(producer, records, futures)
            return await _acknowledged(futures)
        except BaseException as error:
            # Also when the caller gave up waiting (cancelled): a batch that fails later leaves the hole.
            _drain(futures, lambda failure: self._retire(producer, failure))
            if isinstance(error, KafkaError):
                self._retire(producer, error)
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

    async def _appender(self) -> AIOKafkaProducer:
        """The idempotent append producer, started now if there is none (first use, or retired)."""
        if self._producer is not None:
            return self._producer
        async with self._producer_lock:
            if self._producer is None:
                producer = self._new_producer(self._client_id)
                await _start(producer, "producer")
                self._producer = producer
            return self._producer

    def _retire(self, producer: AIOKafkaProducer, error: BaseException) -> None:
        """Stop using ``producer`` (its sequence may have a hole); it is stopped in the background.

        Only the producer that failed is retired: concurrent appends failing together retire it once,
        and a failure reported late by an already retired producer leaves its successor alone. A
        record refused for its size never got a sequence number, so it retires nothing.
        """
        if self._producer is not producer or isinstance(error, MessageSizeTooLargeError):
            return
        self._producer = None
        log.warning("append producer retired after %r; the next append starts a new one", error)
        task = asyncio.create_task(_stop_quietly(producer), name="retired-producer")
        self._retired.add(task)
        task.add_done_callback(self._retired.discard)

    async def _transactional(self) -> AIOKafkaProducer:
        """The transactional producer, started (InitProducerId) on first use."""
        if self._txn_producer is None:
            producer = self._new_producer(f"{self._client_id}-txn", transactional_id=self._transactional_id)
            await _start(producer, "transactional producer")
            self._txn_producer = producer
        return self._txn_producer

    def _new_producer(self, client_id: str, *, transactional_id: str | None = None) -> AIOKafkaProducer:
        """Idempotent, ``acks=all``: retries can neither duplicate nor reorder a partition's records."""
        return AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            client_id=client_id,
            transactional_id=transactional_id,
            enable_idempotence=True,
            acks="all",
            request_timeout_ms=self._request_timeout_ms,
        )

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
    except BaseException as error:  # also cancelled (a readiness probe's deadline): leave no client behind
        with contextlib.suppress(KafkaError):
            await client.stop()
        if isinstance(error, KafkaError):
            raise KafkaAdapterError(f"cannot start Kafka {what}: {error!r}") from error
        raise


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    """Stop a retired producer; it may wait for its in-flight batches to expire, never raise."""
    with contextlib.suppress(KafkaError):
        await producer.stop()


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


def _drain(futures: list[asyncio.Future[Any]], on_failure: Callable[[BaseException], None] | None = None) -> None:
    """Retrieve the outcome of every delivery future of a failed call, whenever it settles.

    Without this asyncio logs "exception was never retrieved" for each record of the batch.
    ``on_failure`` hears of each record that fails after its caller stopped waiting.
    """
    for future in futures:
        future.add_done_callback(functools.partial(_retrieve, on_failure=on_failure))


def _retrieve(future: asyncio.Future[Any], *, on_failure: Callable[[BaseException], None] | None) -> None:
    if future.cancelled():
        return
    error = future.exception()
    if error is not None and on_failure is not None:
        on_failure(error)
