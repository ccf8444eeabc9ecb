"""THE composition root: settings in, concrete adapters out. Nothing is built at import time.

Embedded: the event log, schema registry and decider state in ``<data_dir>/events.db``, the read
models in ``<data_dir>/readmodels.db``, blobs under ``<data_dir>/blobs``, the search index in
``<data_dir>/search.db``, and the processors as asyncio tasks in the serving process.
Distributed: Kafka, a Confluent-API schema registry, PostgreSQL, an S3 bucket and Elasticsearch; the
processors run as faust-streaming workers (``python -m processors worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from processors.embedded import DeciderRunner, ProjectorRunner, RenderRunner, SearchRunner
from processors.projector import ProjectorStep
from processors.render import RenderStep, Submit, start_render_pool
from processors.search import SearchStep
from projections.registry import PROJECTIONS, SEARCH
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.decoded import DecodedCommands
from tuneton.events.envelope import CommandOutcome
from tuneton.ports import BlobStore, EventLog, OutgoingRecord, ReadStore, SchemaRegistry, SearchIndex, StateStore
from tuneton.settings import Settings

log = logging.getLogger(__name__)
TOPICS_SPEC = Path(__file__).resolve().parents[1] / "infra" / "kafka" / "topics.yaml"

class _Runner(Protocol):
    async def run(self, stop: asyncio.Event) -> None: ...


@dataclass(kw_only=True)
class Runtime:
    """The adapters of one process, started and closed together."""

    settings: Settings
    event_log: EventLog
    registry: SchemaRegistry
    codec: AvroCodec
    read_store: ReadStore
    blob_store: BlobStore
    search_index: SearchIndex
    state: StateStore | None = None
    # Envelopes of the commands this process appended, for its own decider (embedded; see DecodedCommands).
    decoded_commands: DecodedCommands = field(default_factory=DecodedCommands)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _render_pool: ProcessPoolExecutor | None = None

    @property
    def embedded(self) -> bool:
        """True when the processors run inside this process."""
        return self.settings.runtime == "embedded"

    async def start(self) -> None:
        """Connect everything and register the schemas."""
        await self.event_log.start()
        if self.embedded:
            await self.event_log.ensure_topics(topics.PARTITIONS)
        await self.codec.start()
        await self.read_store.start()
        await self.blob_store.start()
        await self.search_index.start()

    async def start_for_worker(self) -> None:
        """What a Faust worker needs: schemas, read store, search index, blobs (Faust owns Kafka I/O)."""
        await self.codec.start()
        await self.read_store.start()
        await self.search_index.start()
        await self.blob_store.start()

    def start_processors(self, *, on_outcomes: Callable[[Sequence[CommandOutcome]], None] | None = None) -> None:
        """Run the decider and every projector as tasks (embedded runtime only).

        ``on_outcomes`` (the command bus's ``resolve``) receives each decided batch's verdicts in-process.
        """
        if not self.embedded or self.state is None:
            raise RuntimeError("in the distributed runtime processors run as faust workers")
        decider = DeciderRunner(
            self.event_log, self.state, self.codec, decoded=self.decoded_commands, on_outcomes=on_outcomes
        )
        runners: list[_Runner] = [
            decider,
            *self.projector_runners(),
            self.search_runner(),
            RenderRunner(self.event_log, self.render_step(self._append), self.codec,
                         concurrency=self.settings.render_concurrency),
        ]  # fmt: skip
        for runner in runners:
            self._tasks.append(asyncio.create_task(_supervise(runner, self._stop), name=type(runner).__name__))

    def projector_runners(self) -> list[ProjectorRunner]:
        """One projector per registered projection."""
        return [
            ProjectorRunner(self.event_log, self.read_store, ProjectorStep(self.codec, p)) for p in PROJECTIONS.values()
        ]

    def search_runner(self) -> SearchRunner:
        """The projector that keeps the search index up to date."""
        return SearchRunner(self.event_log, self.search_index, SearchStep(self.codec, SEARCH))

    def render_step(self, submit: Submit) -> RenderStep:
        """The render step with this process's render pool (started on first use) and scratch dir."""
        if self._render_pool is None:
            self._render_pool = start_render_pool(self.settings.render_workers, self.settings.render_engine)
        return RenderStep(self.codec, self.blob_store, submit, self._render_pool, self.settings.render_dir)

    async def _append(self, records: list[OutgoingRecord]) -> None:
        await self.event_log.append(records)

    def processors_alive(self) -> bool:
        """False once any processor task has died."""
        return all(not t.done() for t in self._tasks)

    async def close(self) -> None:
        """Stop processors, then release adapters."""
        self._stop.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(task, 5)
        if self._render_pool is not None:
            self._render_pool.shutdown(wait=False, cancel_futures=True)
        await self.search_index.close()
        await self.blob_store.close()
        await self.read_store.close()
        await self.event_log.close()


async def _supervise(runner: _Runner, stop: asyncio.Event) -> None:
    """Restart a runner that failed while persisting, after a pause: it resumes from its last commit."""
    while not stop.is_set():
        try:
            await runner.run(stop)
        except Exception:
            log.exception("%s failed; restarting from its last commit", type(runner).__name__)
            await asyncio.sleep(1)


def kafka_replication_factor(settings: Settings) -> int:
    """Replicas for topics a Kafka client creates itself (Faust's changelogs), by cluster size.

    The same ``replication:`` entry of ``infra/kafka/topics.yaml`` that ``tuneton kafka init`` applies,
    so a worker's state survives a broker loss on the 3-broker cluster as the product topics do.
    """
    from tuneton.adapters.kafka.admin import kafka_broker_count
    from tuneton.adapters.kafka.topicspec import load_replication

    brokers = kafka_broker_count(settings.kafka_bootstrap)
    factor = load_replication(TOPICS_SPEC, brokers=brokers).replication_factor
    return factor if factor > 0 else 1


def build_runtime(settings: Settings) -> Runtime:
    """Choose the adapters ``settings`` ask for."""
    ddl = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]
    if settings.runtime == "embedded":
        from tuneton.adapters.embedded.log import EmbeddedEventLog
        from tuneton.adapters.embedded.registry import EmbeddedSchemaRegistry
        from tuneton.adapters.fs.blobstore import FilesystemBlobStore
        from tuneton.adapters.sqlite.readstore import SqliteReadStore
        from tuneton.adapters.sqlite.search import SqliteSearchIndex

        data = settings.data_dir
        event_log = EmbeddedEventLog(data / "events.db", synchronous=settings.embedded_synchronous)
        registry: SchemaRegistry = EmbeddedSchemaRegistry(event_log)
        store: ReadStore = SqliteReadStore(data / "readmodels.db", ddl=ddl, synchronous=settings.embedded_synchronous)
        return Runtime(
            settings=settings,
            event_log=event_log,
            registry=registry,
            codec=AvroCodec(registry),
            read_store=store,
            blob_store=FilesystemBlobStore(settings.blob_root),
            search_index=SqliteSearchIndex(settings.search_path, synchronous=settings.embedded_synchronous),
            state=event_log,
        )
    from tuneton.adapters.elasticsearch.search import ElasticsearchSearchIndex
    from tuneton.adapters.kafka.log import KafkaEventLog
    from tuneton.adapters.kafka.registry import ConfluentSchemaRegistry
    from tuneton.adapters.postgres.readstore import PostgresReadStore
    from tuneton.adapters.s3.blobstore import S3BlobStore

    registry = ConfluentSchemaRegistry(settings.schema_registry_url)
    return Runtime(
        settings=settings,
        event_log=KafkaEventLog(settings.kafka_bootstrap),
        registry=registry,
        codec=AvroCodec(registry),
        read_store=PostgresReadStore(settings.postgres_dsn, ddl=ddl),
        blob_store=S3BlobStore(
            endpoint=settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key.get_secret_value(),
            bucket=settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
        ),
        search_index=ElasticsearchSearchIndex(settings.elasticsearch_url, index=settings.elasticsearch_index),
    )
