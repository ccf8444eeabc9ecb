"""A Faust table whose changelog writes can be awaited until the broker has acknowledged them.

``table[key] = value`` hands the changelog record to Faust's producer buffer and returns. The only
public way to wait for it, ``app.producer.flush()``, is not a proof in faust-streaming 0.15.3:
``ProducerBuffer.flush`` gives up silently when the buffer does not move within 0.1 s
(``flush_atmost``), and the aiokafka flush after it waits only for what already reached the client,
not for success. The decider must not let a command's offset be committed before its snapshot is
durable, so it keeps the future of every changelog send and awaits them itself.

The records do not go through that buffer either. Its task hands them to the producer one at a time
through ``Topic.publish_message``, which awaits ``app.maybe_start_producer``: a mode ``stampede`` that
yields to the event loop up to three times per record. aiokafka's sender, woken by the first record,
sent it alone, and since it keeps one produce request in flight per broker the others waited for that
request's answer. The table builds each record as Faust does (``as_future_message``, eagerly
partitioned) and keeps it until :func:`hand_over` gives a batch's records to the producer without
yielding between them, so they leave in one request (BENCHMARKS.md, twentieth session).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Iterable
from typing import Any

import faust
from faust.types import AppT
from faust.types.tuples import FutureMessage

log = logging.getLogger(__name__)
RESEND_DELAY_S = 1.0


class AcknowledgedTable(faust.Table[bytes, bytes]):
    """``faust.Table`` that remembers the future of each changelog record it sends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unacknowledged: list[FutureMessage] = []
        self._latest: dict[Any, FutureMessage] = {}  # per key, the newest record sent (and not yet acknowledged)
        self._built: list[FutureMessage] = []  # records not yet handed to the producer (:func:`hand_over`)

    async def put(self, key: bytes, value: bytes) -> None:
        """``table[key] = value``, once the producer knows the changelog's partitions.

        With ``use_partitioner`` Faust asks the producer for a key's partition synchronously, and until
        aiokafka has fetched the changelog topic's metadata its partitioner is handed ``None``: a
        ``TypeError`` that crashed the decider agent on a fresh broker, where Faust had only just created
        the topic (every command then answered 503). The metadata is awaited first, and again if it
        went missing.
        """
        for attempt in range(3):
            try:
                self[key] = value
                return
            except TypeError:
                if attempt == 2:
                    raise
                await self.metadata_ready()

    async def metadata_ready(self) -> None:
        """Wait until the producer has the changelog topic's partitions (aiokafka fetches them on demand)."""
        faust_producer: Any = self.app.producer  # the aiokafka driver's: it owns an AIOKafkaProducer
        await faust_producer._ensure_producer().partitions_for(self.changelog_topic.get_topic_name())

    def send_changelog(
        self,
        partition: int | None,
        key: Any,
        value: Any,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> FutureMessage:
        """Build the record as Faust's ``send_changelog`` does; keep it for :func:`hand_over` and ``acknowledged``."""
        future = self.changelog_topic.as_future_message(
            key=key,
            value=value,
            partition=partition,
            key_serializer=self.key_serializer if key_serializer is None else key_serializer,
            value_serializer=self.value_serializer if value_serializer is None else value_serializer,
            callback=self._on_changelog_sent,
            eager_partitioning=True,  # the partition is known now: Faust's tables need it at once
        )
        self._built.append(future)
        self._unacknowledged.append(future)
        self._latest[future.message.key] = future
        return future

    async def hand_to(self, producer: Any) -> None:
        """Give the records built since the last call to ``producer`` (Faust's), in order, without yielding.

        Never raises for a refusal: if the client refuses a record, it and every later one fail with its
        error, as a failed delivery would, and ``acknowledged`` sends them again. Cancelled, they are
        cancelled too, so no batch waits for a record that never left.
        """
        built, self._built = self._built, []
        topic = self.changelog_topic.get_topic_name()
        for index, future in enumerate(built):
            message = future.message
            try:
                delivery = await producer.send(
                    topic, message.key, message.value, message.partition, message.timestamp, message.headers
                )
            except asyncio.CancelledError:
                for unsent in built[index:]:
                    unsent.cancel()
                raise
            except Exception as error:  # noqa: BLE001 - the client's refusal is the records' failure
                log.warning(
                    "the producer refused %d changelog records of %s (%r)", len(built) - index, self.name, error
                )
                for unsent in built[index:]:
                    unsent.set_exception(error)
                return
            delivery.add_done_callback(functools.partial(_answered, future))

    def take_sent(self) -> list[FutureMessage]:
        """The changelog records sent since the last call (or ``acknowledged()``): one batch's, to await."""
        sent, self._unacknowledged = self._unacknowledged, []
        return sent

    async def acknowledged(self, sent: list[FutureMessage] | None = None) -> None:
        """Return once ``sent`` (default: every record sent so far) is acknowledged; a failed one is sent again.

        Never raises for a failed send: giving up would let the agent move on and the offset of a
        command whose snapshot is lost be committed. Several decider batches may be in flight at once,
        so a failed record is sent again only while it is still its key's newest. An older snapshot
        sent again would overwrite a newer one in the compacted changelog; instead its batch waits
        for the newer one, which holds the state and, in its outbox, the older batch's events.
        """
        pending = self.take_sent() if sent is None else sent
        while pending:
            results = await asyncio.gather(*pending, return_exceptions=True)
            failed = []
            for future, result in zip(pending, results, strict=True):
                key = future.message.key
                if isinstance(result, BaseException):
                    failed.append((future, result))
                elif self._latest.get(key) is future:
                    del self._latest[key]  # the key's newest state is durable
            pending = []
            if not failed:
                return
            log.warning("%d changelog records of %s failed (%r); sending again", len(failed), self.name, failed[0][1])
            await asyncio.sleep(RESEND_DELAY_S)
            for future, _ in failed:
                newest = self._latest.get(future.message.key)
                if newest is future:
                    message = future.message
                    pending.append(self.send_changelog(message.partition, message.key, message.value))
                    self._unacknowledged.remove(pending[-1])  # this call awaits it, not the next batch
                elif newest is not None:
                    pending.append(newest)  # a newer snapshot of the key is on its way: wait for it
                # newest is None: a newer snapshot of the key was acknowledged already
            await hand_over(self.app, [self])


async def hand_over(app: AppT, tables: Iterable[AcknowledgedTable]) -> None:
    """Give every table's new changelog records to the producer in one turn of the event loop (module doc)."""
    producer = await app.maybe_start_producer()  # yields here, before any record is handed over
    for table in tables:
        await table.hand_to(producer)


def _answered(future: FutureMessage, delivery: asyncio.Future[Any]) -> None:
    """Settle Faust's future for a record with the client's answer, and run its callback as Faust's send does."""
    if delivery.cancelled():
        future.cancel()
    elif (error := delivery.exception()) is not None:
        future.set_exception(error)
    else:
        future.set_result(delivery.result())
        if future.message.callback:
            future.message.callback(future)
