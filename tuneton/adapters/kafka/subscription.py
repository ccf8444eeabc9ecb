"""One aiokafka consumer behind the ``Subscription`` port.

Every consumer reads with ``isolation_level="read_committed"``: records of an open or aborted
producer transaction are never returned, so a processor's half-done output stays invisible.
``open_subscription`` resolves every fetch position before it returns (seek to beginning/end or the
group's committed offset), because the command bus subscribes to outcomes *before* it sends a command
and relies on seeing the outcome however fast it is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import ConsumerStoppedError, KafkaError

from tuneton.adapters.kafka.errors import KafkaAdapterError, KafkaUnknownTopicError
from tuneton.ports import LogRecord, Subscription

ASSIGNMENT_TIMEOUT_S = 30.0


def consumer(bootstrap: str, *, group: str | None, from_beginning: bool = True, **config: Any) -> AIOKafkaConsumer:
    """A consumer configured the one way tuneTON reads: explicit commits, committed reads only."""
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest" if from_beginning else "latest",
        isolation_level="read_committed",
        **config,
    )


async def partitions_of(kafka: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    """All partitions of ``topic``, refreshing metadata once when the topic is not known yet."""
    found = kafka.partitions_for_topic(topic)
    if not found:
        await refresh_metadata(kafka)
        found = kafka.partitions_for_topic(topic)
    if not found:
        raise KafkaUnknownTopicError(topic)
    return [TopicPartition(topic, p) for p in sorted(found)]


async def refresh_metadata(kafka: AIOKafkaConsumer) -> None:
    """Refresh the consumer's cached cluster metadata.

    aiokafka 0.14 has no public call for it: ``topics()`` fetches into a throw-away copy, so a topic
    created after the consumer started stays unknown to ``partitions_for_topic``.
    """
    await kafka._client.force_metadata_update()


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    """Signals the first assignment so ``open_subscription`` can wait for group membership."""

    def __init__(self) -> None:
        self.event = asyncio.Event()

    async def on_partitions_revoked(self, revoked: object) -> None:
        """Nothing to flush: offsets are committed explicitly by the caller."""

    async def on_partitions_assigned(self, assigned: object) -> None:
        """Wake the opener."""
        self.event.set()


async def open_subscription(
    bootstrap: str, topics: Sequence[str], *, group: str | None, from_beginning: bool, **config: Any
) -> KafkaSubscription:
    """Start a consumer and resolve its positions; see ``EventLog.subscribe``."""
    kafka = consumer(bootstrap, group=group, from_beginning=from_beginning, **config)
    try:
        await kafka.start()
        if group is None:
            await _assign_all(kafka, topics, from_beginning=from_beginning)
        else:
            await _join(kafka, topics)
    except BaseException as error:
        await kafka.stop()
        if isinstance(error, KafkaError):
            raise KafkaAdapterError(f"cannot subscribe to {list(topics)}: {error!r}") from error
        raise
    return KafkaSubscription(kafka, group=group)


async def _assign_all(kafka: AIOKafkaConsumer, topics: Sequence[str], *, from_beginning: bool) -> None:
    """Manual assignment of every partition; offsets looked up now, not lazily at the first fetch."""
    tps = [tp for topic in topics for tp in await partitions_of(kafka, topic)]
    kafka.assign(tps)
    ends = await (kafka.beginning_offsets(tps) if from_beginning else kafka.end_offsets(tps))
    for tp in tps:
        kafka.seek(tp, ends[tp])


async def _join(kafka: AIOKafkaConsumer, topics: Sequence[str]) -> None:
    """Join the group, wait for the first assignment, then force each position to resolve."""
    for topic in topics:
        await partitions_of(kafka, topic)  # fail fast on a typo instead of waiting for an assignment
    listener = _Assigned()
    kafka.subscribe(list(topics), listener=listener)
    # aiokafka's coordinator joins in a background task; no poll is needed (one would fetch records).
    async with asyncio.timeout(ASSIGNMENT_TIMEOUT_S):
        await listener.event.wait()
    for tp in kafka.assignment():
        await kafka.position(tp)  # committed offset, else the auto_offset_reset end, looked up now


class KafkaSubscription(Subscription):
    """A started consumer; ``commit`` is a no-op without a group, like the embedded one."""

    def __init__(self, kafka: AIOKafkaConsumer, *, group: str | None) -> None:
        self._kafka = kafka
        self._group = group
        self._on_close: list[Callable[[KafkaSubscription], None]] = []

    def on_close(self, callback: Callable[[KafkaSubscription], None]) -> None:
        """Call ``callback`` once this subscription closes (the log forgets it then)."""
        self._on_close.append(callback)

    async def poll(self, *, max_records: int = 500, wait_s: float = 1.0) -> list[LogRecord]:
        """Next committed records, partition by partition; waits up to ``wait_s`` when none are buffered."""
        try:
            batches = await self._kafka.getmany(timeout_ms=int(wait_s * 1000), max_records=max_records)
        except ConsumerStoppedError:
            raise KafkaAdapterError("poll on a closed subscription") from None
        except KafkaError as error:
            raise KafkaAdapterError(f"poll failed: {error!r}") from error
        return [
            LogRecord(
                topic=r.topic,
                partition=r.partition,
                offset=r.offset,
                key=r.key,
                value=r.value,
                timestamp_ms=r.timestamp,
                headers=tuple((k, bytes(v)) for k, v in r.headers),
            )
            for tp in sorted(batches)
            for r in batches[tp]
        ]

    async def positions(self) -> dict[tuple[str, int], int]:
        """Fetch positions of every assigned partition (past control records)."""
        return {(tp.topic, tp.partition): await self._kafka.position(tp) for tp in self._kafka.assignment()}

    async def seek(self, topic: str, partition: int, offset: int) -> None:
        """Fetch ``topic``/``partition`` from ``offset`` on; buffered records of it are dropped."""
        self._kafka.seek(TopicPartition(topic, partition), offset)

    async def commit(self, positions: Sequence[tuple[str, int, int]]) -> None:
        """Commit explicit next offsets for the group (never the consumer's own fetch positions)."""
        if self._group is None or not positions:
            return
        try:
            await self._kafka.commit({TopicPartition(t, p): o for t, p, o in positions})
        except KafkaError as error:
            raise KafkaAdapterError(f"commit for group {self._group} failed: {error!r}") from error

    async def close(self) -> None:
        """Leave the group (if any) and stop fetching; idempotent."""
        await self._kafka.stop()
        callbacks, self._on_close = self._on_close, []
        for callback in callbacks:
            callback(self)
