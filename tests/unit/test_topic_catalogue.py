"""The code's topic catalogue (``tuneton/events/topics.py``) and the operators' ``infra/kafka/topics.yaml``
name the same topics with the same partition counts, and every stream the code reads or writes is in it.

Partition counts matter beyond tidiness: keys are placed by murmur2 modulo the count, so the decider's
state tables (sized from the catalogue) are co-partitioned with ``tuneton.commands`` only if the
cluster's topic has the count the code assumes.
"""

from __future__ import annotations

from projections.registry import PROJECTIONS, SEARCH
from tuneton.adapters.kafka.topicspec import load_spec
from tuneton.bootstrap import TOPICS_SPEC
from tuneton.events import topics


def test_the_catalogue_and_topics_yaml_agree_on_names_and_partitions() -> None:
    spec = {s.name: s.partitions for s in load_spec(TOPICS_SPEC)}
    assert spec == topics.PARTITIONS


def test_every_aggregate_stream_and_projected_topic_is_catalogued() -> None:
    for aggregate in topics.AGGREGATES.values():
        assert aggregate.events_topic in topics.PARTITIONS
    assert set(topics.EVENT_TOPICS) == {a.events_topic for a in topics.AGGREGATES.values()}
    for projection in (*PROJECTIONS.values(), SEARCH):
        assert set(projection.topics) <= set(topics.PARTITIONS), projection.name


def test_the_decider_state_is_co_partitioned_with_the_commands() -> None:
    assert topics.PARTITIONS[topics.COMMANDS] == topics.KEYED_PARTITIONS
    assert all(topics.PARTITIONS[a.events_topic] == topics.KEYED_PARTITIONS for a in topics.AGGREGATES.values())
