"""How long the Faust worker is away when it restarts, and how much changelog its recovery reads.

A worker keeps the decider's snapshots in in-memory tables, so every start reads their changelogs from
the beginning before it decides a command. Two phases:

* **recovery volume** (``--snapshots``): the same stream of snapshot records (``--keys`` aggregates,
  each written ``--snapshots`` / ``--keys`` times, ``--snapshot-kb`` each) goes into two fresh
  6-partition topics, one compacted with Kafka's default 1 GiB segments (the changelogs as Faust
  created them before) and one with the settings ``infra/kafka/topics.yaml`` gives the changelogs.
  After the log cleaner has had ``--settle-s`` seconds, each topic is read from start to end as a
  recovery reads it: records and MB, and the ratio of the two. (This client reads in C; the worker's
  recovery handles each record in Python, so its time follows the records: the restart phase
  measures that time on the real worker.)
* **restart** (``--restarts``): a real product (``tuneton serve`` + the worker) on the running servers;
  the worker is stopped (SIGTERM) or killed (SIGKILL) and started again, and the time from its start
  to the first command answered is measured, on whatever changelogs the cluster holds.

Needs ``infra/stack up`` (Kafka, registry, PostgreSQL), Elasticsearch and the S3 server.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

from benchmarks.product_env import benchmark_env
from processors.faust_app import changelog_topic
from tests.e2e.conftest import distributed
from tests.e2e.servers import free_port, wait_processing
from tuneton.bootstrap import kafka_topic_settings
from tuneton.events import topics
from tuneton.settings import Settings

PARTITIONS = topics.KEYED_PARTITIONS
DEFAULT_CHANGELOG = {"cleanup.policy": "compact"}  # what Faust gives a changelog it creates


def _changelog_config(bootstrap: str) -> dict[str, str]:
    specs = kafka_topic_settings(Settings(runtime="distributed", kafka_bootstrap=bootstrap))
    return specs[changelog_topic(topics.PLAYLIST.name)].config


def _fill(bootstrap: str, topic: str, keys: int, snapshots: int, size: int) -> None:
    producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 20, "acks": "all"})
    body = os.urandom(size)
    for n in range(snapshots):
        producer.produce(topic, key=f"aggregate-{n % keys}".encode(), value=body)
        if n % 1000 == 0:
            producer.poll(0)
    producer.flush(120)


def _read_all(bootstrap: str, topic: str) -> dict[str, float]:
    """Read every partition from its start to its end, as a table recovery does."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"bench-{uuid.uuid4().hex}", "enable.auto.commit": False})
    try:
        ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in range(PARTITIONS)}
        todo = {p for p, end in ends.items() if end > 0}
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in todo])
        records = size = 0
        while todo:
            for message in consumer.consume(1000, timeout=1.0):
                if message.error():
                    continue
                records += 1
                size += len(message.value() or b"")
                if message.offset() >= ends[message.partition()] - 1:
                    todo.discard(message.partition())
        return {"records": records, "mb": round(size / 1e6, 1)}
    finally:
        consumer.close()


def recovery_volume(bootstrap: str, keys: int, snapshots: int, size_kb: int, settle_s: float) -> dict[str, Any]:
    """The two topics' recovery reads, after the cleaner has had ``settle_s`` seconds."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    suffix = uuid.uuid4().hex[:8]
    configs = {"default segments": DEFAULT_CHANGELOG, "topics.yaml": _changelog_config(bootstrap)}
    names = {label: f"bench-changelog-{label.split()[0].replace('.', '-')}-{suffix}" for label in configs}
    futures = admin.create_topics(
        [NewTopic(names[label], PARTITIONS, 1, config=config) for label, config in configs.items()]
    )
    for future in futures.values():
        future.result(30)
    try:
        for topic in names.values():
            _fill(bootstrap, topic, keys, snapshots, size_kb * 1024)
        time.sleep(settle_s)
        reads = {label: {"config": configs[label], **_read_all(bootstrap, names[label])} for label in configs}
    finally:
        for future in admin.delete_topics(list(names.values())).values():
            future.result(30)
    before, after = reads["default segments"], reads["topics.yaml"]
    return {
        "written": {"keys": keys, "snapshots": snapshots, "snapshot_kb": size_kb, "settle_s": settle_s},
        **reads,
        "mb_read_ratio": round(before["mb"] / max(after["mb"], 0.1), 1),
    }


def restarts(count: int, work: Path, extra: dict[str, str]) -> dict[str, Any]:
    """Start a product, then stop/kill and start its worker ``count`` times each; seconds to answer."""
    env = benchmark_env("kafka", work, TUNETON_WORKER_METRICS_PORT=str(free_port()), **extra)
    times: dict[str, list[float]] = {"first start": [], "after SIGTERM": [], "after SIGKILL": []}
    started = time.monotonic()
    with contextlib.redirect_stdout(sys.stderr), distributed(env, work) as product:  # stdout: the JSON only
        times["first start"].append(time.monotonic() - started)
        auth = product.auth("restart-probe")
        for _ in range(count):
            for how, halt in (("after SIGTERM", product.processing.stop), ("after SIGKILL", product.processing.kill)):
                halt()
                started = time.monotonic()
                product.processing.start()
                wait_processing(product.base, auth)
                times[how].append(time.monotonic() - started)
    return {
        how: {"runs": [round(t, 1) for t in values], "median_s": round(statistics.median(values), 1)}
        for how, values in times.items()
        if values
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kafka-bootstrap", default="127.0.0.1:9092")
    parser.add_argument("--keys", type=int, default=500, help="aggregates whose snapshots are written")
    parser.add_argument("--snapshots", type=int, default=60_000, help="snapshot records per topic (0: skip)")
    parser.add_argument("--snapshot-kb", type=int, default=8)
    parser.add_argument("--settle-s", type=float, default=90.0, help="time the log cleaner gets before the reads")
    parser.add_argument("--restarts", type=int, default=2, help="stop/start and kill/start cycles (0: skip)")
    parser.add_argument(
        "--setting", action="append", default=[], metavar="NAME=VALUE", help="a product setting, e.g. worker_instance_id=w1"
    )
    args = parser.parse_args()
    extra = {f"TUNETON_{name.upper()}": value for name, _, value in (s.partition("=") for s in args.setting)}
    figures: dict[str, Any] = {"loadavg_at_start": os.getloadavg()[0]}
    if args.snapshots:
        figures["recovery_read"] = recovery_volume(
            args.kafka_bootstrap, args.keys, args.snapshots, args.snapshot_kb, args.settle_s
        )
    if args.restarts:
        figures["settings"] = args.setting
        extra["TUNETON_KAFKA_BOOTSTRAP"] = args.kafka_bootstrap
        figures["worker_restart"] = restarts(args.restarts, Path(tempfile.mkdtemp(prefix="tuneton-bench-")), extra)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
