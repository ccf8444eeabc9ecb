"""Parsing infra/kafka/topics.yaml: every accepted shape, defaults, Kafka's string values, bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuneton.adapters.kafka.topicspec import TopicSpec, TopicSpecError, load_spec, parse_spec

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
