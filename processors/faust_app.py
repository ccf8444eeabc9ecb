"""The faust-streaming host: the same decider and projector steps as the embedded runner, on Kafka.

* Decider: one agent over ``tuneton.commands``; aggregate snapshots live in a changelog-backed Faust
  table. Faust's ``exactly_once`` mode was tried first and crashed on rebalance after a SIGKILL
  (``ConsistencyError`` in changelog recovery, transactions stuck ``IN_TRANSACTION``; see
  docs/kafka.md), so the worker runs ``at_least_once`` with an ordering that makes redelivery
  harmless: (1) the snapshot, carrying the batch's event records as its outbox, is written to the
  table and the agent awaits the broker's acknowledgement of its changelog record (the futures
  themselves: ``app.producer.flush()`` can return before, see ``acknowledged_table``), (2) the events
  and the outcomes are sent and acknowledged, (3) only then is the command acked for the offset
  commit. A worker that loads a snapshot whose outbox it has not seen delivered sends it again first
  (``decider_batch``), so the state is never ahead of the events topic even when Faust skips a
  command after a rebalance instead of redelivering it.
  Repeated events are byte-identical (ids derived from the command id, versions from the snapshot):
  consumers see a duplicate with the same ``(aggregate_id, version)`` and skip it.
* Projectors: one agent per projection, batching events into one PostgreSQL transaction that also
  stores the applied offsets and versions (the read store is the source of truth for positions, so
  a redelivered batch after a crash is skipped, not applied twice).
* Search: one agent over ``tuneton.track.events`` writing Elasticsearch with external versions (the
  event's stream version), so a batch redelivered after a crash is stale there and changes nothing.
* Both acknowledge a batch only after it is stored, and retry a failing store in place with backoff
  (:mod:`processors.sinks`): an outage of PostgreSQL or Elasticsearch delays them, never skips a batch.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import faust

from processors import faust_transport, gaps, roles
from processors.acknowledged_table import AcknowledgedTable, hand_over
from processors.decider import STATE_STORE, DeciderStep
from processors.decider_batch import DecidedBatch, DecodedSnapshots, Slot, decide_batch
from processors.decider_pipeline import OrderedPipeline
from processors.faust_batches import batches
from processors.host import RenderPool
from processors.projector import ProjectorStep
from processors.render import RenderStep
from processors.render_scheduler import RenderScheduler
from processors.search import SearchStep
from processors.sinks import ProjectorSink, SearchSink, store_each
from processors.snapshots import RECORD_LIMIT
from projections.registry import PROJECTIONS, SEARCH, IndexProjection, Projection
from tuneton.bootstrap import Runtime, TopicSettings, build_runtime, kafka_topic_settings
from tuneton.events import topics
from tuneton.observability import metrics, repeats
from tuneton.ports import LogRecord, OutgoingRecord
from tuneton.settings import Settings

log = logging.getLogger(__name__)
DECIDER_GROUP = roles.APP_ID
DECIDER_BATCH = 200  # commands per decider batch at most (its outbox rides in a snapshot: RECORD_LIMIT)


def create_app(settings: Settings) -> faust.App:
    """Build the Faust app and the agents of the worker's role; adapters connect when the worker starts."""
    role = settings.worker_role
    app_id = roles.group_of(role)
    (settings.data_dir / "faust" / role).mkdir(parents=True, exist_ok=True)
    faust_transport.register()
    specs = kafka_topic_settings(settings)
    changelogs = {name: specs[changelog_topic(name)] for name in topics.AGGREGATES}
    app = faust.App(
        app_id,
        broker=f"{faust_transport.SCHEME}://{settings.kafka_bootstrap}",  # aiokafka's, our fetch wait
        store="memory://",
        key_serializer="raw",  # every payload is ours (Avro / JSON snapshots): Faust moves bytes only
        value_serializer="raw",
        processing_guarantee="at_least_once",
        broker_commit_interval=settings.faust_commit_interval_s,
        broker_session_timeout=10,  # a SIGKILLed worker's partitions move on within ~10 s, not 60
        broker_heartbeat_interval=2,
        # Static membership: a worker started again under its id takes its partitions back at once, where
        # a new member would wait until the killed one's session expires (docs/kafka.md).
        consumer_group_instance_id=settings.worker_instance_id or None,
        topic_partitions=topics.KEYED_PARTITIONS,
        topic_replication_factor=changelogs[topics.USER.name].replication_factor,  # changelogs: as topics.yaml says
        consumer_auto_offset_reset="earliest",
        producer_max_request_size=RECORD_LIMIT,  # a snapshot is one record (topics.yaml)
        web_enabled=False,
        web_host="127.0.0.1",
        autodiscover=False,
        datadir=str(settings.data_dir / "faust" / role),
    )
    setattr(app, faust_transport.FETCH_WAIT_ATTRIBUTE, settings.worker_fetch_max_wait_ms)
    setattr(app, faust_transport.IDLE_FETCH_WAIT_ATTRIBUTE, settings.worker_idle_fetch_max_wait_ms)
    runtime = build_runtime(settings.model_copy(update={"runtime": "distributed"}))
    ready = _Readiness(runtime)

    issue = functools.partial(issue_records, app)

    async def send(records: list[OutgoingRecord]) -> None:
        """Send now and wait until the broker has them all."""
        for delivery in await issue(records):
            await delivery

    window_s = settings.worker_batch_window_ms / 1000  # one batch per window: BENCHMARKS, thirteenth session
    if roles.runs(role, "decider"):
        _decider_agent(app, ready, issue, settings.decider_batches_in_flight, window_s=window_s, changelogs=changelogs)
    for projection in PROJECTIONS.values():
        if roles.runs(role, projection.name):
            _projector_agent(app, projection, ready, send, window_s=window_s)
    if roles.runs(role, SEARCH.name):
        _search_agent(app, SEARCH, ready, send)
    if roles.runs(role, "render"):
        _render_agent(app, ready, send, settings.render_concurrency)

    @app.task  # type: ignore[untyped-decorator]  # faust decorators are untyped
    async def quiet_repeats() -> None:
        """The worker set up logging anew (mode replaces the root handlers): limit repeated warnings there too."""
        repeats.install(logging.getLogger().handlers)

    return app


async def issue_records(app: faust.App, records: list[OutgoingRecord]) -> list[Any]:
    """Hand ``records`` to the producer now (not attached to the offset commit), in order; their deliveries.

    Straight to the producer, without yielding between records, so they leave in one produce request:
    through ``Topic.send`` a batch's events went alone and its outcomes one round trip later, for the
    reason the snapshots' changelog records did (``processors/acknowledged_table.py``, module doc).
    """
    producer = await app.maybe_start_producer()  # yields here, before any record is handed over
    return [await producer.send(out.topic, out.key, out.value, None, None, list(out.headers)) for out in records]


def changelog_topic(aggregate: str) -> str:
    """The changelog topic of ``aggregate``'s snapshot table, as Faust names it (``<app id>-<table>-changelog``).

    Listed in ``infra/kafka/topics.yaml`` under this name, so ``tuneton kafka init`` creates it and keeps
    its compaction settings on a cluster where Faust created it first.
    """
    return f"{roles.APP_ID}-{STATE_STORE}-{aggregate}-changelog"


def _decider_agent(
    app: faust.App,
    ready: _Readiness,
    issue: Any,
    in_flight: int,
    *,
    window_s: float,
    changelogs: dict[str, TopicSettings],
) -> None:
    # One table per aggregate type, keyed by aggregate id and placed by the producer's partitioner:
    # the same murmur2 choice that put the command on its partition, so state is co-partitioned with
    # its commands by construction (and batches need no per-event partition context).
    snapshots: dict[str, AcknowledgedTable] = {
        name: AcknowledgedTable(
            app,
            name=f"{STATE_STORE}-{name}",
            beacon=app.tables.beacon,
            default=None,
            partitions=topics.PARTITIONS[topics.COMMANDS],  # co-partitioned with the commands
            key_type=bytes,
            value_type=bytes,
            use_partitioner=True,
            extra_topic_configs=changelogs[name].config,  # compaction that bounds a restart's recovery
        )
        for name in topics.AGGREGATES
    }
    for table in snapshots.values():
        app.tables.add(table)
    delivered: dict[Slot, int] = {}  # snapshot versions whose outbox this process saw acknowledged

    @app.agent(_raw_topic(app, topics.COMMANDS), name="decider")
    async def decide(stream: faust.StreamT[bytes]) -> None:
        step = DeciderStep(await ready.codec())
        # Versions whose outbox a batch in flight sends; this run's only: a restarted agent sends them again
        scheduled: dict[Slot, int] = {}
        decoded = DecodedSnapshots()  # this run's only, like ``scheduled``
        pipeline = OrderedPipeline(in_flight)

        def stored(slot: Slot) -> bytes | None:
            return snapshots[slot[0]].get(slot[1])

        try:
            async for events in batches(stream, DECIDER_BATCH, window_s=window_s, on_arrival=_arrived):
                created = [e.message.timestamp for e in events]  # the records' timestamps, in seconds
                _aged("handed", created)
                records = [_log_record(e) for e in events]
                batch = await decide_batch(
                    step, records, stored, delivered, processor=DECIDER_GROUP, scheduled=scheduled, decoded=decoded
                )
                for (aggregate_type, key), snapshot in batch.snapshots.items():
                    await snapshots[aggregate_type].put(key, snapshot)  # 1. state + outbox ...
                await hand_over(app, snapshots.values())  # ... in one produce request ...
                written = {name: table.take_sent() for name, table in snapshots.items()}
                scheduled.update(batch.delivered)
                await pipeline.submit(
                    _durable(snapshots, written, created),  # ... acknowledged before anything of the batch leaves ...
                    functools.partial(issue, batch.outgoing),  # 2. ... then its events and outcomes ...
                    _completion(stream, events, batch, delivered, created),  # 3. ... acknowledged: offsets may commit
                )
            await pipeline.drain()
        except BaseException:
            await pipeline.cancel()  # unfinished batches stay unacknowledged; their outboxes go out again
            raise


def _durable(snapshots: dict[str, AcknowledgedTable], written: dict[str, list[Any]], created: list[float]) -> Any:
    async def durable() -> None:
        for name, sent in written.items():
            await snapshots[name].acknowledged(sent)
        _aged("durable", created)

    return durable


def _completion(
    stream: faust.StreamT[bytes], events: Any, batch: DecidedBatch, delivered: dict[Slot, int], created: list[float]
) -> Any:
    async def complete() -> None:
        _aged("sent", created)
        delivered.update(batch.delivered)
        await _ack(stream, events)
        metrics.EVENTS_PROCESSED.labels(DECIDER_GROUP).inc(len(events))

    return complete


_ARRIVED = metrics.DECIDER_COMMAND_AGE.labels("arrived")  # observed per command: the child looked up once


def _arrived(event: Any) -> None:
    """A command's age as the stream hands it to the decider's batching, before the batch window."""
    _ARRIVED.observe(max(0.0, time.time() - event.message.timestamp))


def _aged(stage: str, created: list[float]) -> None:
    """Each command's age at ``stage`` of its batch: where the decider's hop goes (docs/runbook.md)."""
    now = time.time()
    ages = metrics.DECIDER_COMMAND_AGE.labels(stage)
    for at in created:
        ages.observe(max(0.0, now - at))  # the API host's clock may run ahead of this one


def _render_agent(app: faust.App, ready: _Readiness, send: Any, concurrency: int) -> None:
    """Renders requested assets through the shared scheduler, from one agent with manual acks.

    Faust's automatic ack would move a partition's offset past a request once the agent moves on to
    the next event. Here an event is acked only once the scheduler releases it: its render and every
    earlier one of its partition are finished. A worker killed mid-render leaves its request
    uncommitted, to be redelivered and completed once.
    """

    @app.agent(_raw_topic(app, topics.RENDER_EVENTS), name="render")
    async def render(stream: faust.StreamT[bytes]) -> None:
        step = await ready.render_step(send)
        scheduler: RenderScheduler[Any] = RenderScheduler(
            step, await ready.codec(), send, lambda event: event.ack(), concurrency=concurrency
        )
        try:
            async for event in stream.noack().events():  # type: ignore[attr-defined]
                await scheduler.add(_log_record(event), event)
                await scheduler.wait_for_room()
        finally:
            await scheduler.close()


def _projector_agent(app: faust.App, projection: Projection, ready: _Readiness, send: Any, *, window_s: float) -> None:
    source = [_raw_topic(app, t) for t in projection.topics]

    @app.agent(*source, name=f"projector-{projection.name}")
    async def project(stream: faust.StreamT[bytes]) -> None:
        step = ProjectorStep(await ready.codec(), projection)
        sink = ProjectorSink(step, await ready.read_store(), send, fill=gaps.reader(await ready.event_log()))
        await store_each(_taken(stream, 500, within=window_s), sink)  # acked once stored: then offsets may commit


def _search_agent(app: faust.App, projection: IndexProjection, ready: _Readiness, send: Any) -> None:
    source = [_raw_topic(app, t) for t in projection.topics]

    @app.agent(*source, name=f"projector-{projection.name}")
    async def index(stream: faust.StreamT[bytes]) -> None:
        sink = SearchSink(SearchStep(await ready.codec(), projection), await ready.search_index(), send)
        await store_each(_taken(stream, 500, within=0.02), sink)


async def _taken(
    stream: faust.StreamT[bytes], max_records: int, *, within: float
) -> AsyncIterator[tuple[list[LogRecord], Any]]:
    """A stream's batches, each acknowledged by acking its events (never before: :func:`batches`)."""
    async for events in batches(stream, max_records, window_s=within):
        yield [_log_record(e) for e in events], functools.partial(_ack, stream, events)


async def _ack(stream: faust.StreamT[bytes], events: Any) -> None:
    """Acknowledge a persisted batch. ``take_events`` would ack in a ``finally``, so a batch whose
    store write failed (or a worker stopped mid-retry) got its offsets committed anyway: the lost
    batch of issue 8. With :func:`batches` an unpersisted batch stays unacknowledged and is redelivered."""
    for event in events:
        await stream.ack(event)


class _Readiness:
    """Starts the shared adapters once, on first use inside the worker's event loop."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._lock: asyncio.Lock | None = None
        self._started = False
        self._render_step: RenderStep | None = None
        self._renders = RenderPool(runtime)  # its processes end with the worker's (die_with_parent)

    async def _start(self) -> None:
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            delay = 0.5
            while not self._started:
                try:
                    await self._runtime.start_for_worker()
                    self._started = True
                except Exception as error:  # noqa: BLE001 - registry or database not up yet: wait, don't crash
                    log.warning("adapters not ready (%r); retrying in %.1fs", error, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 10)

    async def codec(self) -> Any:
        await self._start()
        return self._runtime.codec

    async def read_store(self) -> Any:
        await self._start()
        return self._runtime.read_store

    async def event_log(self) -> Any:
        """The log, for reads outside Faust's consumer (a projector's skipped records: ``processors.gaps``)."""
        await self._start()
        return self._runtime.event_log

    async def search_index(self) -> Any:
        await self._start()
        return self._runtime.search_index

    async def render_step(self, send: Any) -> RenderStep:
        """One step (and one render pool) shared by every instance of the render agent."""
        await self._start()
        if self._render_step is None:
            self._render_step = self._renders.step(send)
        return self._render_step


def _raw_topic(app: faust.App, name: str) -> faust.TopicT:
    """A topic whose keys and values stay bytes: the Avro codec is ours, not Faust's."""
    return app.topic(name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")


def _log_record(event: Any) -> LogRecord:
    message = event.message
    return LogRecord(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=message.value,
        timestamp_ms=int((message.timestamp or 0) * 1000),
        headers=tuple(message.headers or ()),
    )
