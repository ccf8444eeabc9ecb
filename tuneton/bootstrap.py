"""THE composition root: settings in, concrete adapters out. Nothing is built at import time.

Embedded: the event log, schema registry and decider state in ``<data_dir>/events.db``, the read
models in ``<data_dir>/readmodels.db``, blobs under ``<data_dir>/blobs``, the search index in
``<data_dir>/search.db``; the processors run as asyncio tasks in a worker process beside the serving
process (:func:`link_embedded` joins the two), or in the serving process itself.
Distributed: Kafka, a Confluent-API schema registry, PostgreSQL, an S3 bucket and Elasticsearch; the
processors run as faust-streaming workers (``python -m processors worker``).

Adapters only: the processors wire themselves to a :class:`Runtime` (:mod:`processors.host`), so
this module imports no processor and the Faust app may import it without a cycle.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from projections.registry import PROJECTIONS
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.peer_link import APPLIED, LOG_APPENDED, PeerLink
from tuneton.ports import BlobStore, EventLog, ReadStore, SchemaRegistry, SearchIndex, StateStore
from tuneton.settings import Settings

log = logging.getLogger(__name__)
TOPICS_SPEC = Path(__file__).resolve().parents[1] / "infra" / "kafka" / "topics.yaml"


@dataclass(kw_only=True)
class Runtime:
    """The adapters of one process, started and closed together (``async with``, or start/close).

    Adapters only: the processors wire themselves to a runtime (:mod:`processors.host`).
    """

    settings: Settings
    event_log: EventLog
    registry: SchemaRegistry
    codec: AvroCodec
    read_store: ReadStore
    blob_store: BlobStore
    search_index: SearchIndex
    state: StateStore | None = None

    @property
    def embedded(self) -> bool:
        """True when the processors run inside this process."""
        return self.settings.runtime == "embedded"

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

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

    async def close(self) -> None:
        """Release the adapters (stop this process's processors first)."""
        await self.search_index.close()
        await self.blob_store.close()
        await self.read_store.close()
        await self.event_log.close()


@dataclass(frozen=True, kw_only=True)
class TopicSettings:
    """A topic as ``tuneton kafka init`` creates it on this cluster: its replicas and its config."""

    replication_factor: int  # at least 1: the file's "broker default" is 1 on the dev node
    config: dict[str, str]


def kafka_topic_settings(settings: Settings) -> dict[str, TopicSettings]:
    """``infra/kafka/topics.yaml`` as ``tuneton kafka init`` applies it to this cluster, by topic name.

    For the topics a Kafka client creates itself (Faust's changelogs): the same replication entry and
    per-topic config, so a worker's state survives a broker loss on the 3-broker cluster as the
    product topics do, and a changelog the worker creates is compacted as the file says.
    """
    from tuneton.adapters.kafka.admin import kafka_broker_count
    from tuneton.adapters.kafka.topicspec import load_spec

    brokers = kafka_broker_count(settings.kafka_bootstrap)
    return {
        spec.name: TopicSettings(replication_factor=max(spec.replication_factor, 1), config=dict(spec.config))
        for spec in load_spec(TOPICS_SPEC, brokers=brokers)
    }


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


def link_embedded(rt: Runtime, link: PeerLink) -> None:
    """Announce this process's commits to the embedded files over ``link``, and wake this process's
    waiters for the other process's (the serving process and its embedded worker)."""
    from tuneton.adapters.embedded.log import EmbeddedEventLog
    from tuneton.adapters.sql.applied import notify_payload
    from tuneton.adapters.sqlite.readstore import SqliteReadStore

    event_log, store = rt.event_log, rt.read_store
    if not isinstance(event_log, EmbeddedEventLog) or not isinstance(store, SqliteReadStore):
        raise TypeError("the embedded worker shares the embedded log and the SQLite read store")
    event_log.on_landed = link.topics_appended
    link.on(LOG_APPENDED, lambda body: event_log.wake(frozenset(body.decode().split("\n"))))
    store.on_applied = lambda projection, ids: link.send(APPLIED, notify_payload(projection, ids).encode())

    def applied_elsewhere(body: bytes) -> None:
        projection, *ids = body.decode().split("\n")
        store.applied_elsewhere(projection, set(ids))

    link.on(APPLIED, applied_elsewhere)
