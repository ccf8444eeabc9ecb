"""The code's topic catalogue (``tuneton/events/topics.py``) and the operators' ``infra/kafka/topics.yaml``
name the same topics with the same partition counts, and every stream the code reads or writes is in it.

Partition counts matter beyond tidiness: keys are placed by murmur2 modulo the count, so the decider's
state tables (sized from the catalogue) are co-partitioned with ``tuneton.commands`` only if the
cluster's topic has the count the code assumes.
"""

from __future__ import annotations

import faust

from processors import roles
from processors.decider import STATE_STORE
from processors.faust_app import changelog_topic
from projections.registry import PROJECTIONS, SEARCH
from tuneton.adapters.kafka.topicspec import load_spec
from tuneton.bootstrap import TOPICS_SPEC
from tuneton.events import topics


def test_the_catalogue_and_topics_yaml_agree_on_names_and_partitions() -> None:
    spec = {s.name: s.partitions for s in load_spec(TOPICS_SPEC)}
    changelogs = {changelog_topic(name): topics.KEYED_PARTITIONS for name in topics.AGGREGATES}
    assert spec == {**topics.PARTITIONS, **changelogs}


def test_the_decider_tables_changelogs_are_the_compacted_topics_of_the_file() -> None:
    """Faust names a table's changelog itself; the file must list exactly that name, compacted, or
    ``tuneton kafka init`` would create a topic nobody reads while Faust's own keeps its 1 GiB segments."""
    app = faust.App(roles.APP_ID, autodiscover=False)
    spec = {s.name: s for s in load_spec(TOPICS_SPEC)}
    for name in topics.AGGREGATES:
        table = app.Table(f"{STATE_STORE}-{name}", partitions=topics.KEYED_PARTITIONS)
        assert table.changelog_topic.get_topic_name() == changelog_topic(name)
        config = spec[changelog_topic(name)].config
        assert config["cleanup.policy"] == "compact"
        assert int(config["segment.bytes"]) <= 64 * 1024 * 1024, "segments close, so the cleaner can compact them"


def test_every_aggregate_stream_and_projected_topic_is_catalogued() -> None:
    for aggregate in topics.AGGREGATES.values():
        assert aggregate.events_topic in topics.PARTITIONS
    assert set(topics.EVENT_TOPICS) == {a.events_topic for a in topics.AGGREGATES.values()}
    for projection in (*PROJECTIONS.values(), SEARCH):
        assert set(projection.topics) <= set(topics.PARTITIONS), projection.name


def test_the_decider_state_is_co_partitioned_with_the_commands() -> None:
    assert topics.PARTITIONS[topics.COMMANDS] == topics.KEYED_PARTITIONS
    assert all(topics.PARTITIONS[a.events_topic] == topics.KEYED_PARTITIONS for a in topics.AGGREGATES.values())
