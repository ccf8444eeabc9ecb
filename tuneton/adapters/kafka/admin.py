"""``tuneton kafka init``: make the cluster's topics match ``infra/kafka/topics.yaml``, idempotently.

confluent-kafka's AdminClient (librdkafka) rather than aiokafka's: it speaks every CreateTopics
version (so ``replication_factor=-1`` means the broker default) and has IncrementalAlterConfigs,
which changes only the keys named and leaves other per-topic overrides alone. This is a synchronous
CLI path, so the blocking client costs nothing.

Partition counts are never changed: adding partitions moves keys to other partitions and breaks the
per-aggregate ordering the deciders rely on, so a difference is reported as drift for a human.
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
)

from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.topicspec import TopicSpec, load_spec


def create_topics_from_spec(bootstrap: str, spec_path: Path, *, timeout_s: float = 30.0) -> Iterator[str]:
    """Create missing topics, align configs of existing ones; yield one printable line per action."""
    specs = load_spec(spec_path)
    admin = AdminClient({"bootstrap.servers": bootstrap, "socket.timeout.ms": int(timeout_s * 1000)})
    try:
        existing = admin.list_topics(timeout=timeout_s).topics
    except KafkaException as error:
        raise KafkaAdapterError(f"cannot reach Kafka at {bootstrap}: {error}") from error
    missing = [s for s in specs if s.name not in existing]
    created = _create(admin, missing, timeout_s)
    yield from (f"created {s.name} ({s.partitions} partitions)" for s in missing if s.name in created)
    for spec in specs:
        if spec.name in created:
            continue
        if spec.name in existing:
            yield f"exists {spec.name}"
            current = len(existing[spec.name].partitions)
            if current != spec.partitions:
                yield (
                    f"drift {spec.name}: {current} partitions, spec says {spec.partitions} "
                    "(left alone: changing it moves keys between partitions)"
                )
        else:
            yield f"exists {spec.name} (created concurrently)"
        yield from _align_config(admin, spec, timeout_s)


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


def _align_config(admin: AdminClient, spec: TopicSpec, timeout_s: float) -> Iterator[str]:
    """SET each spec'd key whose current value differs; other overrides stay as they are."""
    if not spec.config:
        return
    resource = ConfigResource(ResourceType.TOPIC, spec.name)
    try:
        current: Mapping[str, ConfigEntry] = admin.describe_configs([resource])[resource].result(timeout=timeout_s)
    except KafkaException as error:
        raise KafkaAdapterError(f"cannot describe configs of {spec.name}: {error}") from error
    changes = {k: v for k, v in spec.config.items() if k not in current or current[k].value != v}
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
