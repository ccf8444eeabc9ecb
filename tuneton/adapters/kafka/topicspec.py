"""Read ``infra/kafka/topics.yaml`` into typed topic specs (pure, so it is unit-tested without a broker).

Accepted shapes, so the file can stay whatever reads best to operators:

* ``topics: [{name, partitions, replication_factor?, config: {...}}, ...]`` (optionally ``defaults:``
  with ``partitions``/``replication_factor``/``config`` applied to every topic),
* a bare list of such mappings,
* a mapping ``{name: {partitions, config, ...}}`` (under ``topics:`` or at the top level).

Config values are stringified the way Kafka stores them (``retention.ms: -1`` → ``"-1"``,
``true`` → ``"true"``) so a re-run compares equal and changes nothing.

Replication depends on the cluster, not the topic: an optional ``replication:`` list holds one entry per
cluster size (``brokers``, ``replication_factor``, ``config`` such as ``min.insync.replicas``), and the
entry with the most brokers the cluster has is applied to every topic (under a topic's own settings).
The same file thus serves the single dev node and the 3-broker cluster.
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


@dataclass(frozen=True, kw_only=True)
class Replication:
    """How a cluster of at least ``brokers`` brokers replicates every topic."""

    brokers: int = 1
    replication_factor: int = -1
    config: Mapping[str, str] = field(default_factory=dict)


def load_spec(path: Path, *, brokers: int | None = None) -> list[TopicSpec]:
    """Parse the YAML file at ``path`` for a cluster of ``brokers`` (None: ignore ``replication:``)."""
    return parse_spec(yaml.safe_load(path.read_text(encoding="utf-8")), brokers=brokers)


def replication_for(data: Any, brokers: int) -> Replication:
    """The ``replication:`` entry with the most brokers not above ``brokers`` (none: broker defaults)."""
    entries = data.get("replication") if isinstance(data, Mapping) else None
    if entries is None:
        return Replication()
    if not isinstance(entries, list):
        raise TopicSpecError("replication must be a list of {brokers, replication_factor, config}")
    profiles = [_replication(entry) for entry in entries]
    fitting = [p for p in profiles if p.brokers <= brokers]
    if not fitting:
        raise TopicSpecError(f"no replication entry for a cluster of {brokers} broker(s)")
    return max(fitting, key=lambda p: p.brokers)


def _replication(entry: Any) -> Replication:
    if not isinstance(entry, Mapping):
        raise TopicSpecError(f"a replication entry must be a mapping: {entry!r}")
    brokers = _positive("replication: brokers", entry.get("brokers"))
    factor = _positive("replication: replication_factor", entry.get("replication_factor"))
    if factor > brokers:
        raise TopicSpecError(f"replication: {factor} replicas need at least {factor} brokers, entry says {brokers}")
    config = {str(k): _kafka_value(v) for k, v in (entry.get("config") or {}).items()}
    return Replication(brokers=brokers, replication_factor=factor, config=config)


def _positive(what: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TopicSpecError(f"{what} must be a positive integer, got {value!r}")
    return value


def parse_spec(data: Any, *, brokers: int | None = None) -> list[TopicSpec]:
    """Topic specs from already-parsed YAML, with the replication entry for ``brokers`` applied."""
    replication = Replication() if brokers is None else replication_for(data, brokers)
    defaults: Mapping[str, Any] = {}
    if isinstance(data, Mapping) and "topics" in data:
        defaults = data.get("defaults") or {}
        data = data["topics"]
    defaults = {
        **defaults,
        "replication_factor": defaults.get("replication_factor", replication.replication_factor),
        "config": {**replication.config, **(defaults.get("config") or {})},
    }
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
    partitions = _positive(f"{name}: partitions", entry.get("partitions", defaults.get("partitions")))
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
