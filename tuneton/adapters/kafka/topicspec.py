"""Read ``infra/kafka/topics.yaml`` into typed topic specs (pure, so it is unit-tested without a broker).

Accepted shapes, so the file can stay whatever reads best to operators:

* ``topics: [{name, partitions, replication_factor?, config: {...}}, ...]`` (optionally ``defaults:``
  with ``partitions``/``replication_factor``/``config`` applied to every topic),
* a bare list of such mappings,
* a mapping ``{name: {partitions, config, ...}}`` (under ``topics:`` or at the top level).

Config values are stringified the way Kafka stores them (``retention.ms: -1`` → ``"-1"``,
``true`` → ``"true"``) so a re-run compares equal and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class TopicSpecError(ValueError):
    """The topics file is not in one of the accepted shapes."""


@dataclass(frozen=True, kw_only=True)
class TopicSpec:
    """One topic as the spec wants it; ``replication_factor=-1`` means the broker default."""

    name: str
    partitions: int
    replication_factor: int = -1
    config: Mapping[str, str] = field(default_factory=dict)


def load_spec(path: Path) -> list[TopicSpec]:
    """Parse the YAML file at ``path``."""
    return parse_spec(yaml.safe_load(path.read_text(encoding="utf-8")))


def parse_spec(data: Any) -> list[TopicSpec]:
    """Topic specs from already-parsed YAML."""
    defaults: Mapping[str, Any] = {}
    if isinstance(data, Mapping) and "topics" in data:
        defaults = data.get("defaults") or {}
        data = data["topics"]
    if isinstance(data, Mapping):
        entries = [{"name": name, **(body or {})} for name, body in data.items()]
    elif isinstance(data, list):
        entries = list(data)
    else:
        raise TopicSpecError(f"expected a list or mapping of topics, got {type(data).__name__}")
    specs = [_topic(entry, defaults) for entry in entries]
    names = [s.name for s in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise TopicSpecError(f"topics listed twice: {', '.join(duplicates)}")
    return specs


def _topic(entry: Any, defaults: Mapping[str, Any]) -> TopicSpec:
    if not isinstance(entry, Mapping) or not entry.get("name"):
        raise TopicSpecError(f"a topic needs a name: {entry!r}")
    name = str(entry["name"])
    partitions = entry.get("partitions", defaults.get("partitions"))
    if not isinstance(partitions, int) or isinstance(partitions, bool) or partitions < 1:
        raise TopicSpecError(f"{name}: partitions must be a positive integer, got {partitions!r}")
    replication = entry.get("replication_factor", entry.get("replicas", defaults.get("replication_factor", -1)))
    if not isinstance(replication, int) or isinstance(replication, bool):
        raise TopicSpecError(f"{name}: replication_factor must be an integer, got {replication!r}")
    config = {**(defaults.get("config") or {}), **(entry.get("config") or {})}
    return TopicSpec(
        name=name,
        partitions=partitions,
        replication_factor=replication,
        config={str(k): _kafka_value(v) for k, v in config.items()},
    )


def _kafka_value(value: Any) -> str:
    """Kafka's string form of a YAML scalar (booleans lower case, lists comma-joined)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_kafka_value(v) for v in value)
    return str(value)
