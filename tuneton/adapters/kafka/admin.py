"""``tuneton kafka init``: make the cluster's topics match ``infra/kafka/topics.yaml``, idempotently.

confluent-kafka's AdminClient (librdkafka) rather than aiokafka's: it speaks every CreateTopics
version (so ``replication_factor=-1`` means the broker default) and has IncrementalAlterConfigs,
which changes only the keys named and leaves other per-topic overrides alone. This is a synchronous
CLI path, so the blocking client costs nothing.

Partition counts are never changed: adding partitions moves keys to other partitions and breaks the
per-aggregate ordering the deciders rely on, so a difference is reported as drift for a human. So is a
replication factor that differs from the file's entry for this cluster size (changing it means a
partition reassignment, an operator's decision). ``check=True`` changes nothing and reports every
difference, configs included, as drift.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from confluent_kafka import KafkaError, KafkaException

# confluent_kafka.admin re-exports these without an __all__, which mypy reads as private.
from confluent_kafka.admin import (  # type: ignore[attr-defined]
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
    TopicMetadata,
)

from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.topicspec import TopicSpec, load_spec


def create_topics_from_spec(
    bootstrap: str, spec_path: Path, *, timeout_s: float = 30.0, check: bool = False
) -> Iterator[str]:
    """Create missing topics, align configs of existing ones; yield one printable line per action.

    Lines start with ``created``, ``exists``, ``altered``, ``drift`` or (with ``check``) ``missing``.
    """
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout_s * 1000)})
    try:
        metadata = admin.list_topics(timeout=timeout_s)
    except KafkaException as error:
        raise KafkaAdapterError(f"cannot reach Kafka at {bootstrap}: {error}") from error
    existing = metadata.topics
    specs = load_spec(spec_path, brokers=len(metadata.brokers))
    missing = [s for s in specs if s.name not in existing]
    if check:
        yield from (f"missing {s.name}" for s in missing)
    created = set() if check else _create(admin, missing, timeout_s)
    yield from (f"created {s.name} ({s.partitions} partitions)" for s in missing if s.name in created)
    for spec in specs:
        if spec.name in created or (check and spec.name not in existing):
            continue
        if spec.name in existing:
            yield f"exists {spec.name}"
            yield from _layout_drift(spec, existing[spec.name])
        else:
            yield f"exists {spec.name} (created concurrently)"
        yield from _align_config(admin, spec, timeout_s, check=check)


def kafka_broker_count(bootstrap: str, *, timeout_s: float = 10.0) -> int:
    """How many brokers the cluster at ``bootstrap`` has (its metadata's broker list)."""
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout_s * 1000)})
    try:
        return len(admin.list_topics(timeout=timeout_s).brokers)
    except KafkaException as error:
        raise KafkaAdapterError(f"cannot reach Kafka at {bootstrap}: {error}") from error


def _layout_drift(spec: TopicSpec, topic: TopicMetadata) -> Iterator[str]:
    """Partition count and replication factor differences: reported, never changed here."""
    current = len(topic.partitions)
    if current != spec.partitions:
        yield (
            f"drift {spec.name}: {current} partitions, spec says {spec.partitions} "
            "(left alone: changing it moves keys between partitions)"
        )
    replicas = {len(p.replicas) for p in topic.partitions.values()}
    if spec.replication_factor > 0 and replicas != {spec.replication_factor}:
        yield (
            f"drift {spec.name}: replication factor {'/'.join(map(str, sorted(replicas)))}, spec says "
            f"{spec.replication_factor} (left alone: a partition reassignment, see docs/runbook.md)"
        )


def _create(admin: AdminClient, specs: list[TopicSpec], timeout_s: float) -> set[str]:
    """Create ``specs``; a topic someone else created meanwhile is not an error."""
    if not specs:
        return set()
    new = [
        NewTopic(
            s.name,
            num_partitions=s.partitions,
            replication_factor=s.replication_factor,
            config=dict(s.config),
        )
        for s in specs
    ]
    created: set[str] = set()
    for name, future in admin.create_topics(new, operation_timeout=timeout_s, request_timeout=timeout_s).items():
        try:
            future.result()
        except KafkaException as error:
            if error.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                raise KafkaAdapterError(f"cannot create topic {name}: {error}") from error
        else:
            created.add(name)
    return created


def _align_config(admin: AdminClient, spec: TopicSpec, timeout_s: float, *, check: bool) -> Iterator[str]:
    """SET each spec'd key whose current value differs (``check``: report it); other overrides stay."""
    if not spec.config:
        return
    resource = ConfigResource(ResourceType.TOPIC, spec.name)
    try:
        current: Mapping[str, ConfigEntry] = admin.describe_configs([resource])[resource].result(timeout=timeout_s)
    except KafkaException as error:
        raise KafkaAdapterError(f"cannot describe configs of {spec.name}: {error}") from error
    changes = {k: v for k, v in spec.config.items() if k not in current or current[k].value != v}
    if check:
        for key, value in sorted(changes.items()):
            yield f"drift {spec.name}: {key} is {current[key].value if key in current else None}, spec says {value}"
        return
    if not changes:
        return
    entries = [ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET) for k, v in changes.items()]
    target = ConfigResource(ResourceType.TOPIC, spec.name, incremental_configs=entries)
    try:
        admin.incremental_alter_configs([target])[target].result(timeout=timeout_s)
    except KafkaException as error:
        yield f"drift {spec.name}: cannot set {sorted(changes)}: {error}"
        return
    for key, value in sorted(changes.items()):
        before = current[key].value if key in current else None
        yield f"altered {spec.name}: {key} {before} -> {value}"
