"""Parsing infra/kafka/topics.yaml: every accepted shape, defaults, Kafka's string values, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuneton.adapters.kafka.topicspec import (
    Replication,
    TopicSpec,
    TopicSpecError,
    load_spec,
    parse_spec,
    replication_for,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SPEC_CANDIDATES = [REPO_ROOT / "infra/kafka/topics.yaml", Path("/work/wt-infra/infra/kafka/topics.yaml")]


def test_defaults_merge_under_each_topics_own_config() -> None:
    specs = parse_spec(
        {
            "defaults": {"partitions": 3, "config": {"cleanup.policy": "delete", "retention.ms": 1}},
            "topics": [
                {"name": "a", "config": {"retention.ms": -1}},
                {"name": "b", "partitions": 1, "replication_factor": 3},
            ],
        }
    )
    assert specs == [
        TopicSpec(name="a", partitions=3, config={"cleanup.policy": "delete", "retention.ms": "-1"}),
        TopicSpec(
            name="b",
            partitions=1,
            replication_factor=3,
            config={"cleanup.policy": "delete", "retention.ms": "1"},
        ),
    ]


@pytest.mark.parametrize(
    "data",
    [
        [{"name": "a", "partitions": 2, "config": {"compression.type": "zstd"}}],
        {"a": {"partitions": 2, "config": {"compression.type": "zstd"}}},
        {"topics": {"a": {"partitions": 2, "config": {"compression.type": "zstd"}}}},
    ],
)
def test_list_and_mapping_shapes_mean_the_same(data: Any) -> None:
    assert parse_spec(data) == [TopicSpec(name="a", partitions=2, config={"compression.type": "zstd"})]


def test_values_take_kafkas_string_form() -> None:
    [spec] = parse_spec([{"name": "a", "partitions": 1, "config": {"x": True, "y": ["compact", "delete"], "z": 1.5}}])
    assert spec.config == {"x": "true", "y": "compact,delete", "z": "1.5"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("just text", "list or mapping"),
        ([{"partitions": 1}], "needs a name"),
        ([{"name": "a"}], "positive integer"),
        ([{"name": "a", "partitions": 0}], "positive integer"),
        ([{"name": "a", "partitions": True}], "positive integer"),
        ([{"name": "a", "partitions": 1, "replication_factor": "3"}], "replication_factor"),
        ([{"name": "a", "partitions": 1}, {"name": "a", "partitions": 2}], "listed twice: a"),
    ],
)
def test_bad_specs_are_refused_with_the_reason(data: Any, message: str) -> None:
    with pytest.raises(TopicSpecError, match=message):
        parse_spec(data)


def test_the_projects_topics_file_parses() -> None:
    path = next((p for p in SPEC_CANDIDATES if p.is_file()), None)
    if path is None:
        pytest.skip("infra/kafka/topics.yaml is not in this checkout yet")
    specs = load_spec(path)
    names = {s.name for s in specs}
    assert {"tuneton.commands", "tuneton.command.outcomes", "tuneton.deadletter"} <= names
    assert all(s.partitions >= 1 for s in specs)


REPLICATED = {
    "replication": [
        {"brokers": 1, "replication_factor": 1, "config": {"min.insync.replicas": 1}},
        {"brokers": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}},
    ],
    "defaults": {"config": {"cleanup.policy": "delete"}},
    "topics": [{"name": "a", "partitions": 6}, {"name": "b", "partitions": 1, "replication_factor": 2}],
}


@pytest.mark.parametrize(("brokers", "factor", "isr"), [(1, 1, "1"), (2, 1, "1"), (3, 3, "2"), (5, 3, "2")])
def test_replication_follows_the_cluster_size(brokers: int, factor: int, isr: str) -> None:
    a, b = parse_spec(REPLICATED, brokers=brokers)
    assert a == TopicSpec(
        name="a",
        partitions=6,
        replication_factor=factor,
        config={"min.insync.replicas": isr, "cleanup.policy": "delete"},
    )
    assert b.replication_factor == 2  # a topic's own setting wins
    assert replication_for(REPLICATED, brokers) == Replication(
        brokers=1 if factor == 1 else 3, replication_factor=factor, config={"min.insync.replicas": isr}
    )


def test_without_a_cluster_size_replication_is_left_to_the_broker() -> None:
    assert parse_spec(REPLICATED)[0].replication_factor == -1
    assert replication_for({"topics": []}, 3) == Replication()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"brokers": 3, "replication_factor": 3}], "no replication entry for a cluster of 1"),
        ([{"brokers": 1, "replication_factor": 3}], "3 replicas need at least 3 brokers"),
        ([{"brokers": 0, "replication_factor": 1}], "brokers must be a positive integer"),
        ({"brokers": 1}, "replication must be a list"),
    ],
)
def test_bad_replication_entries_are_refused(entries: Any, message: str) -> None:
    with pytest.raises(TopicSpecError, match=message):
        parse_spec({"replication": entries, "topics": []}, brokers=1)


def test_the_repository_file_replicates_3_ways_with_2_in_sync_on_3_brokers() -> None:
    specs = load_spec(REPO_ROOT / "infra/kafka/topics.yaml", brokers=3)
    assert {(s.replication_factor, s.config["min.insync.replicas"]) for s in specs} == {(3, "2")}
    single = load_spec(REPO_ROOT / "infra/kafka/topics.yaml", brokers=1)
    assert {(s.replication_factor, s.config["min.insync.replicas"]) for s in single} == {(1, "1")}
