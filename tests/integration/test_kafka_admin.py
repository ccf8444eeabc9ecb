"""``tuneton kafka init`` against a real broker: create, re-run, align configs, report partition drift."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from confluent_kafka import Consumer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from tuneton.adapters.kafka import admin as admin_module
from tuneton.adapters.kafka.admin import create_topics_from_spec
from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.topicspec import TopicSpec

pytestmark = pytest.mark.kafka
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def names(kafka_bootstrap: str) -> Iterator[tuple[str, str]]:
    """Two topic names of this test only, deleted afterwards."""
    suffix = uuid.uuid4().hex[:10]
    pair = (f"admin.{suffix}.events", f"admin.{suffix}.outcomes")
    yield pair
    admin = AdminClient({"bootstrap.servers": kafka_bootstrap})  # must outlive its futures
    for future in admin.delete_topics(list(pair)).values():
        future.result()


def write_spec(path: Path, events: str, outcomes: str, *, retention: int, partitions: int = 3) -> Path:
    path.write_text(
        yaml.safe_dump(
            {
                "defaults": {"config": {"cleanup.policy": "delete"}},
                "topics": [
                    {"name": events, "partitions": partitions, "config": {"retention.ms": -1}},
                    {"name": outcomes, "partitions": 1, "config": {"retention.ms": retention}},
                ],
            }
        ),
        encoding="utf-8",
    )
    return path


def test_init_is_idempotent_and_aligns_configs(kafka_bootstrap: str, names: tuple[str, str], tmp_path: Path) -> None:
    events, outcomes = names
    spec = write_spec(tmp_path / "topics.yaml", events, outcomes, retention=86_400_000)
    assert list(create_topics_from_spec(kafka_bootstrap, spec)) == [
        f"created {events} (3 partitions)",
        f"created {outcomes} (1 partitions)",
    ]
    assert list(create_topics_from_spec(kafka_bootstrap, spec)) == [f"exists {events}", f"exists {outcomes}"]

    spec = write_spec(tmp_path / "topics.yaml", events, outcomes, retention=3_600_000, partitions=6)
    assert list(create_topics_from_spec(kafka_bootstrap, spec)) == [
        f"exists {events}",
        f"drift {events}: 3 partitions, spec says 6 (left alone: changing it moves keys between partitions)",
        f"exists {outcomes}",
        f"altered {outcomes}: retention.ms 86400000 -> 3600000",
    ]
    metadata = AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10)
    assert len(metadata.topics[events].partitions) == 3


def test_a_topic_created_meanwhile_is_checked_like_any_existing_one(
    kafka_bootstrap: str, names: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another creator wins the race between our metadata read and our CreateTopics (or our own earlier
    attempt did, its answer lost): the topic is reported as existing and its layout checked."""
    events, outcomes = names
    spec = write_spec(tmp_path / "topics.yaml", events, outcomes, retention=86_400_000)
    real_create = admin_module._create

    def create_after_a_rival(admin: AdminClient, specs: list[TopicSpec], timeout_s: float) -> set[str]:
        rival = AdminClient({"bootstrap.servers": kafka_bootstrap})
        for future in rival.create_topics([NewTopic(s.name, num_partitions=2) for s in specs]).values():
            future.result()
        return real_create(admin, specs, timeout_s)

    monkeypatch.setattr(admin_module, "_create", create_after_a_rival)
    assert list(create_topics_from_spec(kafka_bootstrap, spec)) == [
        f"exists {events} (created meanwhile)",
        f"drift {events}: 2 partitions, spec says 3 (left alone: changing it moves keys between partitions)",
        f"altered {events}: retention.ms 604800000 -> -1",
        f"exists {outcomes} (created meanwhile)",
        f"drift {outcomes}: 2 partitions, spec says 1 (left alone: changing it moves keys between partitions)",
        f"altered {outcomes}: retention.ms 604800000 -> 86400000",
    ]


def test_an_unreachable_cluster_is_an_adapter_error(tmp_path: Path) -> None:
    spec = write_spec(tmp_path / "topics.yaml", "a", "b", retention=1)
    with pytest.raises(KafkaAdapterError, match="cannot reach Kafka"):
        list(create_topics_from_spec("127.0.0.1:9", spec, timeout_s=2))


def test_check_reports_drift_and_changes_nothing(kafka_bootstrap: str, names: tuple[str, str], tmp_path: Path) -> None:
    events, outcomes = names
    spec = write_spec(tmp_path / "topics.yaml", events, outcomes, retention=86_400_000)
    assert list(create_topics_from_spec(kafka_bootstrap, spec, check=True)) == [
        f"missing {events}",
        f"missing {outcomes}",
    ]
    assert events not in AdminClient({"bootstrap.servers": kafka_bootstrap}).list_topics(timeout=10).topics
    list(create_topics_from_spec(kafka_bootstrap, spec))

    drifted = write_spec(tmp_path / "drifted.yaml", events, outcomes, retention=3_600_000, partitions=6)
    report = list(create_topics_from_spec(kafka_bootstrap, drifted, check=True))
    assert report == [
        f"exists {events}",
        f"drift {events}: 3 partitions, spec says 6 (left alone: changing it moves keys between partitions)",
        f"exists {outcomes}",
        f"drift {outcomes}: retention.ms is 86400000, spec says 3600000",
    ]
    assert list(create_topics_from_spec(kafka_bootstrap, spec, check=True)) == [
        f"exists {events}",
        f"exists {outcomes}",
    ]


def test_the_replication_entry_for_the_cluster_size_is_applied(
    kafka_bootstrap: str, names: tuple[str, str], tmp_path: Path
) -> None:
    """The suite's single node gets the 1-broker entry; a 3-broker entry in the same file is ignored."""
    events, outcomes = names
    spec = write_spec(tmp_path / "topics.yaml", events, outcomes, retention=1_000)
    data = yaml.safe_load(spec.read_text())
    data["replication"] = [
        {"brokers": 1, "replication_factor": 1, "config": {"min.insync.replicas": 1}},
        {"brokers": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}},
    ]
    spec.write_text(yaml.safe_dump(data))
    list(create_topics_from_spec(kafka_bootstrap, spec))
    assert list(create_topics_from_spec(kafka_bootstrap, spec, check=True)) == [
        f"exists {events}",
        f"exists {outcomes}",
    ]
    data["replication"][0]["config"]["min.insync.replicas"] = 2  # what a 1-node cluster must not get
    spec.write_text(yaml.safe_dump(data))
    assert f"drift {events}: min.insync.replicas is 1, spec says 2" in create_topics_from_spec(
        kafka_bootstrap, spec, check=True
    )


def test_kafkas_own_tools_run_from_the_fetched_jars(
    kafka_bootstrap: str, names: tuple[str, str], tmp_path: Path
) -> None:
    """``infra/kafka/tools.sh``: the kafka-topics and kafka-consumer-groups an operator expects."""
    events, outcomes = names
    list(create_topics_from_spec(kafka_bootstrap, write_spec(tmp_path / "t.yaml", events, outcomes, retention=1)))
    env = {**os.environ, "TUNETON_KAFKA_BOOTSTRAP": kafka_bootstrap}

    def tools(*args: str) -> str:
        done = subprocess.run(
            ["bash", str(ROOT / "infra" / "kafka" / "tools.sh"), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    described = tools("kafka-topics", "--describe", "--topic", events)
    assert f"Topic: {events}" in described
    assert "PartitionCount: 3" in described
    group = f"admin-tools-{uuid.uuid4().hex[:8]}"
    consumer = Consumer({"bootstrap.servers": kafka_bootstrap, "group.id": group})
    consumer.commit(offsets=[TopicPartition(events, 0, 0)], asynchronous=False)
    consumer.close()
    patient = ("--timeout", "60000")  # the tool's 5 s default is short on a busy 2-core machine
    assert group in tools("kafka-consumer-groups", "--list", *patient).split()
    assert events in tools("kafka-consumer-groups", "--describe", "--group", group, *patient)
