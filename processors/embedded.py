"""Hosts for the processor steps on any EventLog: the embedded default runs these as asyncio tasks.

They drive exactly the steps the Faust agents drive; only the transaction mechanics differ. An error
inside a step (undecodable record, a bug tripped by odd data) dead-letters that record and moves on;
a projector's error while persisting (database, index) is retried in place until it succeeds
(:mod:`processors.sinks`); any other failure stops the loop, which restarts from the last commit.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence

from processors import gaps, snapshots
from processors.decider import GROUP as DECIDER_GROUP
from processors.decider import STATE_STORE, DeciderStep, decide_each, state_key
from processors.handed import HandedCommands
from processors.projector import Entry, ProjectorStep
from processors.render import GROUP as RENDER_GROUP
from processors.render import RenderStep
from processors.render_scheduler import RenderScheduler
from processors.search import SearchStep
from processors.sinks import Acknowledge, ProjectorSink, SearchSink, store_each
from processors.snapshots import AggregateRecord
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.decoded import DecodedCommands, DecodedEvents
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, EventEnvelope
from tuneton.observability import metrics
from tuneton.ports import (
    Checkpoint,
    EventLog,
    LocalEventLog,
    LogRecord,
    OutgoingRecord,
    PositionTaken,
    ReadStore,
    SearchIndex,
    StateStore,
    StateWrite,
    Subscription,
)

log = logging.getLogger(__name__)
_COMMANDS = frozenset({topics.COMMANDS})


def _last_positions(records: Sequence[LogRecord]) -> list[tuple[str, int, int]]:
    latest: dict[tuple[str, int], int] = {}
    for record in records:
        latest[(record.topic, record.partition)] = record.offset + 1
    return [(t, p, o) for (t, p), o in latest.items()]


async def polled(
    subscription: Subscription, max_records: int, stop: asyncio.Event
) -> AsyncIterator[tuple[list[LogRecord], Acknowledge]]:
    """A subscription's batches until ``stop`` is set, each acknowledged by committing its offsets."""
    while not stop.is_set():
        records = await subscription.poll(max_records=max_records, wait_s=0.2)
        if records:
            yield records, functools.partial(subscription.commit, _last_positions(records))


class DeciderRunner:
    """Consumes ``tuneton.commands``; each batch commits events, outcomes, snapshots and offsets at once.

    Shortcuts skip work the log round trip would repeat. In the serving process
    (``embedded_processors = "in-process"``, the CLI) a command this process appended is taken from
    ``decoded`` rather than decoded again. In the embedded worker, commands the serving process
    handed over (``handed``) are decided from memory once the log holds nothing older for the
    decider, and appended in the batch's own transaction at the positions they were decided at (one
    commit per batch, not one to append and one to decide; :mod:`processors.handed`). Either way
    ``on_outcomes`` hands each batch's verdicts to the waiting callers once the batch is committed
    (the outcome records are in the log all the same), and ``events`` keeps the batch's event
    envelopes for the projectors of this process.
    """

    def __init__(
        self,
        log_: EventLog,
        state: StateStore,
        codec: AvroCodec,
        *,
        batch: int = 200,
        cache_size: int = 10_000,
        decoded: DecodedCommands | None = None,
        handed: HandedCommands | None = None,
        events: DecodedEvents | None = None,
        on_outcomes: Callable[[Sequence[CommandOutcome]], None] | None = None,
    ) -> None:
        self._log = log_
        self._events = events
        self._local: LocalEventLog | None = None
        if handed is not None:
            if not isinstance(log_, LocalEventLog):
                raise TypeError("handed commands are decided on a local event log only")
            self._local = log_
        self._handed = handed
        self._state = state
        self._step = DeciderStep(codec)
        self._batch = batch
        self._decoded = decoded
        self._on_outcomes = on_outcomes
        # Decoded snapshots of recently used aggregates, updated only after their transaction commits.
        self._cache: OrderedDict[str, AggregateRecord] = OrderedDict()
        self._cache_size = cache_size

    async def run(self, stop: asyncio.Event) -> None:
        """Process until ``stop`` is set."""
        subscription = await self._log.subscribe([topics.COMMANDS], group=DECIDER_GROUP)
        try:
            while not stop.is_set():
                if self._local is None:
                    records = await subscription.poll(max_records=self._batch, wait_s=0.2)
                    if records:
                        await self.process(records)
                    continue
                records = await subscription.poll(max_records=self._batch, wait_s=0)
                if records:  # the log's older commands first: a handed one may follow them
                    await self.process(records)
                elif self._handed:
                    await self._decide_handed(self._local, subscription)
                else:  # the handed commands' arrival wakes this too
                    await self._local.wait_for_append(self._local.poll_interval_s, _COMMANDS)
        finally:
            await subscription.close()

    async def _decide_handed(self, local: LocalEventLog, subscription: Subscription) -> None:
        """Decide a batch of handed commands as the records they become at the ends of their partitions.

        The subscription has just found nothing left to read, so its positions are the ends the
        decider knows. If another process appended a command meanwhile, the transaction finds the
        position taken and writes nothing: the batch is then appended on its own and decided from the
        log after that command, in order, like any other.
        """
        assert self._handed is not None
        handed = self._handed.take(self._batch)
        ends = await subscription.positions()
        now_ms = int(time.time() * 1000)
        outgoing_records = [self._step.codec.command_record(envelope, value) for envelope, value in handed]
        records: list[LogRecord] = []
        envelopes: dict[tuple[int, int], CommandEnvelope] = {}
        for (envelope, _), outgoing in zip(handed, outgoing_records, strict=True):
            partition = local.partition_of(outgoing)
            offset = ends[(topics.COMMANDS, partition)]
            ends[(topics.COMMANDS, partition)] = offset + 1
            records.append(
                LogRecord(
                    topic=outgoing.topic,
                    partition=partition,
                    offset=offset,
                    key=outgoing.key,
                    value=outgoing.value,
                    timestamp_ms=now_ms,
                    headers=outgoing.headers,
                )
            )
            envelopes[(partition, offset)] = envelope
        try:
            await self.process(records, decoded=lambda r: envelopes.get((r.partition, r.offset)), consumed=True)
        except PositionTaken:
            log.info("a command was appended beside the %d handed ones; deciding them from the log", len(handed))
            for where, (envelope, _) in zip(await self._log.append(outgoing_records), handed, strict=True):
                if self._decoded is not None:
                    self._decoded.put(where, envelope)
            return
        for topic, partition, offset in _last_positions(records):
            await subscription.seek(topic, partition, offset)

    async def process(
        self,
        records: Sequence[LogRecord],
        *,
        decoded: Callable[[LogRecord], CommandEnvelope | None] | None = None,
        consumed: bool = False,
    ) -> None:
        """Decide a batch; snapshots written earlier in the batch are seen by later commands.

        ``decoded`` overrides where envelopes already decoded are found; with ``consumed`` the
        records are not in the log yet and are appended with what they caused (``_decide_handed``).
        """
        outputs: list[OutgoingRecord] = []
        outcomes: list[CommandOutcome] = []
        changed: set[str] = set()
        decided: dict[str, AggregateRecord] = {}
        envelopes: list[tuple[int, EventEnvelope]] = []  # (index in outputs, the event's envelope)

        async def load(command: CommandEnvelope) -> bytes | AggregateRecord | None:
            key = state_key(command.aggregate_type, command.aggregate_id)
            return decided.get(key) or self._cache.get(key) or await self._state.get_state(STATE_STORE, key)

        take = decoded if decoded is not None else self._decoded.take if self._decoded is not None else None
        async for decision in decide_each(self._step, records, load, processor=DECIDER_GROUP, decoded=take):
            if isinstance(decision, OutgoingRecord):  # a dead letter
                outputs.append(decision)
                continue
            result = decision.result
            if self._events is not None:
                envelopes.extend((len(outputs) + n, envelope) for n, envelope in enumerate(result.events))
            outputs.extend(result.outputs)
            outcomes.append(result.outcome)
            decided[result.key] = result.record
            if result.changed:
                changed.add(result.key)
        writes = [StateWrite(store=STATE_STORE, key=k, value=snapshots.dump(decided[k])) for k in changed]
        positions = _last_positions(records)
        if consumed:
            assert self._local is not None
            appended = await self._local.transact(
                outputs, group=DECIDER_GROUP, positions=positions, state=writes, consumed=records
            )
        else:
            appended = await self._log.transact(outputs, group=DECIDER_GROUP, positions=positions, state=writes)
        if self._events is not None:
            for index, envelope in envelopes:
                self._events.put(appended[index], envelope)
        self._remember(decided)
        metrics.EVENTS_PROCESSED.labels(DECIDER_GROUP).inc(len(records))
        if self._on_outcomes is not None:
            self._on_outcomes(outcomes)

    def _remember(self, decided: dict[str, AggregateRecord]) -> None:
        for key, record in decided.items():
            if record.item_rows is None:  # kept between batches: its next dumps reuse unchanged rows
                record.item_rows = {}
            self._cache[key] = record
            self._cache.move_to_end(key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


class ProjectorRunner:
    """Consumes a projection's topics; the read store is the source of truth for positions."""

    def __init__(self, log_: EventLog, store: ReadStore, step: ProjectorStep, *, batch: int = 500) -> None:
        self._log = log_
        self._store = store
        self._step = step
        self._sink = ProjectorSink(step, store, log_.append, fill=gaps.reader(log_))
        self._batch = batch

    @property
    def group(self) -> str:
        """This projector's consumer group."""
        return self._step.projection.group

    async def run(self, stop: asyncio.Event) -> None:
        """Resume at the checkpoints stored with the rows and project until ``stop`` is set."""
        subscription = await self._log.subscribe(list(self._step.projection.topics), group=self.group)
        try:
            for (topic, partition), offset in (await self._store.positions(self._step.projection.name)).items():
                await subscription.seek(topic, partition, offset)
            await store_each(polled(subscription, self._batch, stop), self._sink)
        finally:
            await subscription.close()

    async def process(self, records: Sequence[LogRecord]) -> int:
        """Project a batch in one read-store transaction (retried until stored); poison goes to the DLQ."""
        return await self._sink.process(records)

    async def entries(self, records: Sequence[LogRecord]) -> list[Entry]:
        """A batch's row operations and checkpoints, not yet stored (the rebuild's step); poison is parked."""
        return await self._sink.entries(records)

    def checkpoint_at(self, topic: str, partition: int, offset: int) -> Checkpoint:
        """The checkpoint of an offset that holds no record (see ``ProjectorStep.checkpoint_at``)."""
        return self._step.checkpoint_at(topic, partition, offset)


class SearchRunner:
    """Consumes the track events into the search index; the group's committed offsets are its position.

    Offsets are committed only after the index acknowledged the batch, and the index skips stale
    versions, so a restart that redelivers part of a batch is harmless.
    """

    def __init__(self, log_: EventLog, index: SearchIndex, step: SearchStep, *, batch: int = 500) -> None:
        self._log = log_
        self._step = step
        self._sink = SearchSink(step, index, log_.append)
        self._batch = batch

    @property
    def group(self) -> str:
        """This projector's consumer group."""
        return self._step.projection.group

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics it indexes."""
        return tuple(self._step.projection.topics)

    async def run(self, stop: asyncio.Event) -> None:
        """Resume at the group's committed offsets and index until ``stop`` is set."""
        subscription = await self._log.subscribe(list(self._step.projection.topics), group=self.group)
        try:
            await store_each(polled(subscription, self._batch, stop), self._sink)
        finally:
            await subscription.close()

    async def process(self, records: Sequence[LogRecord]) -> int:
        """Index a batch (retried until the index answers); poison goes to the DLQ. Returns changes applied."""
        return await self._sink.process(records)


class RenderRunner:
    """Consumes ``tuneton.render.events`` through the shared :class:`~processors.render_scheduler.RenderScheduler`.

    A request's offset is committed once it is released: its render and every earlier one of its
    partition have finished, so a crash redelivers exactly the unfinished ones.
    """

    def __init__(self, log_: EventLog, step: RenderStep, codec: AvroCodec, *, concurrency: int) -> None:
        self._log = log_
        self._step = step
        self._codec = codec
        self._concurrency = concurrency

    async def run(self, stop: asyncio.Event) -> None:
        """Render until ``stop`` is set; unfinished renders are cancelled and redelivered next time."""
        subscription = await self._log.subscribe([topics.RENDER_EVENTS], group=RENDER_GROUP)
        released: dict[tuple[str, int], int] = {}

        def release(where: tuple[str, int, int]) -> None:
            topic, partition, offset = where
            released[(topic, partition)] = offset + 1

        scheduler = RenderScheduler(self._step, self._codec, self._log.append, release, concurrency=self._concurrency)
        try:
            while not stop.is_set():
                if not scheduler.room:
                    await scheduler.wait_for_room(timeout_s=0.1)
                    records = []
                else:
                    records = await subscription.poll(max_records=scheduler.room, wait_s=0.1)
                for record in records:
                    await scheduler.add(record, (record.topic, record.partition, record.offset))
                if released:
                    await subscription.commit([(t, p, o) for (t, p), o in sorted(released.items())])
                    released.clear()
        finally:
            await scheduler.close()
            await subscription.close()
