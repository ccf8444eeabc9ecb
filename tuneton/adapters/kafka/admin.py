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

import time
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
    meanwhile = {s.name for s in missing if s.name not in created} if not check else set()
    if meanwhile:
        # Created by another process, or by an earlier attempt of ours whose answer was lost (a
        # retried CreateTopics then reads "already exists"). Either way its layout is checked like
        # any existing topic's, from fresh metadata.
        try:
            existing = admin.list_topics(timeout=timeout_s).topics
        except KafkaException as error:
            raise KafkaAdapterError(f"cannot read Kafka's topics at {bootstrap}: {error}") from error
    for spec in specs:
        if spec.name in created or (check and spec.name not in existing):
            continue
        yield f"exists {spec.name}" + (" (created meanwhile)" if spec.name in meanwhile else "")
        if spec.name in existing:
            yield from _layout_drift(spec, existing[spec.name])
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


# Errors after which the same CreateTopics may simply be sent again. librdkafka (>= 2.10) replaces its
# bootstrap connections by the brokers it learns from metadata; a request queued on a bootstrap handle
# at that moment fails with _DESTROY_BROKER (seen on the 3-broker cluster in CI). Creating is
# idempotent here (a topic that exists is not an error), so sending it again is safe.
_RETRIABLE_CREATE = frozenset(
    {
        KafkaError._DESTROY_BROKER,
        KafkaError._TRANSPORT,
        KafkaError._TIMED_OUT,
        KafkaError._ALL_BROKERS_DOWN,
        KafkaError.NOT_CONTROLLER,
        KafkaError.REQUEST_TIMED_OUT,
    }
)
_CREATE_ATTEMPTS = 5  # CreateTopics and DescribeConfigs alike


def _back_off(attempt: int) -> None:
    """Wait before asking again: 0.5 s after the first attempt, growing to 2 s."""
    time.sleep(min(0.5 * attempt, 2.0))


def _create(admin: AdminClient, specs: list[TopicSpec], timeout_s: float) -> set[str]:
    """Create ``specs``; a topic created meanwhile is not an error; a transient failure is retried."""
    created: set[str] = set()
    pending = list(specs)
    for attempt in range(1, _CREATE_ATTEMPTS + 1):
        if not pending:
            break
        by_name = {s.name: s for s in pending}
        futures = admin.create_topics(
            [_new_topic(s) for s in pending], operation_timeout=timeout_s, request_timeout=timeout_s
        )
        pending = []
        for name, future in futures.items():
            try:
                future.result()
            except KafkaException as error:
                code = error.args[0].code()
                if code == KafkaError.TOPIC_ALREADY_EXISTS:
                    continue
                if code not in _RETRIABLE_CREATE or attempt == _CREATE_ATTEMPTS:
                    raise KafkaAdapterError(f"cannot create topic {name}: {error}") from error
                pending.append(by_name[name])
            else:
                created.add(name)
        if pending:
            _back_off(attempt)
    return created


def _new_topic(spec: TopicSpec) -> NewTopic:
    return NewTopic(
        spec.name,
        num_partitions=spec.partitions,
        replication_factor=spec.replication_factor,
        config=dict(spec.config),
    )


def _configs(admin: AdminClient, topic: str, timeout_s: float) -> Mapping[str, ConfigEntry]:
    """The topic's config entries, asked again while the answering broker does not know the topic yet.

    In KRaft a topic is in the controller's metadata before every broker has applied it. A topic just
    created, by us or meanwhile by another (a lost CreateTopics answer), drew UNKNOWN_TOPIC_OR_PART
    from DescribeConfigs on the 3-broker cluster in a CI run.
    """
    resource = ConfigResource(ResourceType.TOPIC, topic)
    for attempt in range(1, _CREATE_ATTEMPTS + 1):
        try:
            configs: Mapping[str, ConfigEntry] = admin.describe_configs([resource])[resource].result(timeout=timeout_s)
        except KafkaException as error:
            if error.args[0].code() != KafkaError.UNKNOWN_TOPIC_OR_PART or attempt == _CREATE_ATTEMPTS:
                raise KafkaAdapterError(f"cannot describe configs of {topic}: {error}") from error
            _back_off(attempt)
        else:
            return configs
    raise AssertionError("unreachable: the last attempt returns or raises")


def _align_config(admin: AdminClient, spec: TopicSpec, timeout_s: float, *, check: bool) -> Iterator[str]:
    """SET each spec'd key whose current value differs (``check``: report it); other overrides stay."""
    if not spec.config:
        return
    current = _configs(admin, spec.name, timeout_s)
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
