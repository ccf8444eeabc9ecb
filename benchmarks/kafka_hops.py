"""Where a command's time goes on Kafka, hop by hop, from the records themselves (not a test).

Each record carries its producer's timestamp (CreateTime), so for the commands of a time window:
*command → outcome* is the edge's append to the decider's verdict being produced (consume, decide,
snapshot acknowledged, events and outcome produced); *event → visible* is the decider producing the
event to the projector's first commit naming its aggregate after that, heard as the commit's NOTIFY (``tuneton_applied``, see
``tuneton/adapters/sql/applied.py``) by a listener this module holds during the window. Both clocks
are this machine's, so the differences need no synchronisation.

Inside the first hop, the worker's ``tuneton_decider_command_age_seconds`` histogram says how old each
command was when the stream handed it to the decider's batching, when its batch was handed to the
decider, when its snapshots were acknowledged and when its events and outcome were: :func:`decider_stages`
reads it from two scrapes of the worker's ``/metrics``. Before all of them, the API's
``tuneton_command_append_seconds`` says how long its appends waited for the broker (:func:`api_appends`).
"""

from __future__ import annotations

import collections
import statistics
import threading
import time
from typing import Any

import httpx
import psycopg
from confluent_kafka import Consumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from tuneton.adapters.sql.applied import NOTIFY_CHANNEL, parse_payload
from tuneton.events import topics


class CommitListener:
    """LISTEN for projector commits in a thread; when each aggregate's rows were committed (ms)."""

    def __init__(self, dsn: str, projection: str) -> None:
        self._dsn = dsn
        self._projection = projection
        self.commits: dict[str, list[float]] = collections.defaultdict(list)
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> CommitListener:
        self._thread.start()
        if not self._listening.wait(10):
            raise RuntimeError("no LISTEN connection to the read store")
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        with psycopg.connect(self._dsn, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._listening.set()
            while not self._stop.is_set():
                for note in conn.notifies(timeout=0.2):
                    heard = time.time() * 1000
                    projection, ids = parse_payload(note.payload)
                    if projection == self._projection:
                        for aggregate_id in ids:
                            self.commits[aggregate_id].append(heard)


def _first_string(value: bytes, at: int = 5) -> str:
    """The first Avro string field after the 5-byte Confluent header (command_id in both schemas)."""
    length = shift = 0
    while True:
        byte = value[at]
        length |= (byte & 0x7F) << shift
        at += 1
        shift += 7
        if not byte & 0x80:
            break
    length = (length >> 1) ^ -(length & 1)
    return value[at : at + length].decode()


def _records(bootstrap: str, topic: str, since_ms: int) -> list[tuple[bytes, bytes, int]]:
    """(key, value, CreateTime) of every record of ``topic`` produced since ``since_ms``."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "tuneton-bench-hops", "enable.auto.commit": False})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        starts = consumer.offsets_for_times([TopicPartition(topic, p, since_ms) for p in partitions], timeout=10)
        consumer.assign(starts)
        found: list[tuple[bytes, bytes, int]] = []
        idle = 0
        while idle < 2:
            batch = consumer.consume(1000, 1.0)
            idle = idle + 1 if not batch else 0
            found += [(m.key(), m.value(), m.timestamp()[1]) for m in batch if not m.error() and m.value()]
        return found
    finally:
        consumer.close()


def spread(samples: list[float], *, digits: int = 1) -> dict[str, Any]:
    """Count, p50, p90 and p99 of ``samples`` (milliseconds), rounded to ``digits``."""
    if not samples:
        return {"samples": 0}
    ordered = sorted(samples)
    return {
        "samples": len(ordered),
        "p50_ms": round(statistics.median(ordered), digits),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)], digits),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], digits),
    }


def hops(bootstrap: str, since_ms: int, listener: CommitListener) -> dict[str, Any]:
    """Percentiles of each hop for the playlist commands produced since ``since_ms``."""
    commands = {_first_string(v): ts for _, v, ts in _records(bootstrap, topics.COMMANDS, since_ms)}
    outcomes = {_first_string(v): ts for _, v, ts in _records(bootstrap, topics.OUTCOMES, since_ms)}
    decided = [outcomes[c] - commands[c] for c in outcomes.keys() & commands.keys()]
    visible = []
    for key, _, produced in _records(bootstrap, topics.PLAYLIST_EVENTS, since_ms):
        later = [heard for heard in listener.commits.get(key.decode(), []) if heard >= produced]
        if later:
            visible.append(min(later) - produced)
    return {"command_to_outcome_produced": spread(decided), "event_produced_to_row_committed": spread(visible)}


DECIDER_AGE = "tuneton_decider_command_age_seconds"
API_APPEND = "tuneton_command_append_seconds"  # the API's: from handing the command to the log to its ack


def scrape(metrics_url: str) -> str:
    """The worker's ``/metrics`` text."""
    return httpx.get(metrics_url, timeout=10).text


def settled(metrics_url: str, *, quiet_s: float = 0.5, timeout_s: float = 30.0) -> str:
    """A scrape taken once the decider has sent nothing new for ``quiet_s`` (a load phase's backlog
    drained), so that the next phase's stages hold that phase's commands only."""
    deadline = time.monotonic() + timeout_s
    text = scrape(metrics_url)
    while time.monotonic() < deadline:
        time.sleep(quiet_s)
        later = scrape(metrics_url)
        if _sent(later) == _sent(text):
            return later
        text = later
    return text


def _sent(text: str) -> float:
    """How many commands the decider had sent the events and outcome of, by one scrape."""
    return _histograms(text).get("sent", ({}, 0.0, 0.0))[2]


def decider_stages(before: str, after: str) -> dict[str, Any]:
    """Per stage of the decider's command-age histogram, between two scrapes: count, mean, p50 and p99.

    The percentiles are interpolated inside the histogram's buckets (as Prometheus' ``histogram_quantile``
    does), so they are as coarse as the buckets around them; the mean is exact.
    """
    return _between(_histograms(before), _histograms(after))


def api_appends(before: str, after: str) -> dict[str, Any]:
    """The API's appends of commands between two scrapes of its ``/metrics``, as :func:`decider_stages`."""
    appended: dict[str, Any] = _between(_histograms(before, API_APPEND), _histograms(after, API_APPEND)).get("", {})
    return appended


def _between(
    start: dict[str, tuple[dict[float, float], float, float]], end: dict[str, tuple[dict[float, float], float, float]]
) -> dict[str, Any]:
    stages: dict[str, Any] = {}
    for stage, (buckets, total, count) in end.items():
        was_buckets, was_total, was_count = start.get(stage, ({}, 0.0, 0.0))
        n = count - was_count
        if n <= 0:
            continue
        cumulative = sorted((bound, buckets[bound] - was_buckets.get(bound, 0.0)) for bound in buckets)
        stages[stage] = {
            "commands": int(n),
            "mean_ms": round((total - was_total) / n * 1000, 1),
            "p50_ms": round(bucket_quantile(0.5, cumulative) * 1000, 1),
            "p99_ms": round(bucket_quantile(0.99, cumulative) * 1000, 1),
        }
    return stages


def bucket_quantile(q: float, cumulative: list[tuple[float, float]]) -> float:
    """The ``q`` quantile of a histogram given as (upper bound, cumulative count) pairs, ascending, the
    last bound ``inf``: linear inside the bucket it falls in; the highest finite bound if it falls in
    the last one (Prometheus' rule). Written by hand: prometheus_client parses and exposes histograms but
    has no quantile function, and Prometheus' ``histogram_quantile`` runs only in its server."""
    total = cumulative[-1][1]
    rank = q * total
    lower_bound, lower_count = 0.0, 0.0
    for bound, count in cumulative:
        if count >= rank:
            if bound == float("inf"):
                return lower_bound
            inside = count - lower_count
            return lower_bound + (bound - lower_bound) * ((rank - lower_count) / inside if inside else 1.0)
        lower_bound, lower_count = bound, count
    return lower_bound


def _histograms(text: str, name: str = DECIDER_AGE) -> dict[str, tuple[dict[float, float], float, float]]:
    """``stage`` ("" for a histogram without one) -> (cumulative count per upper bound, sum, count) of
    histogram ``name``."""
    found: dict[str, tuple[dict[float, float], float, float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != name:
            continue
        for sample in family.samples:
            stage = sample.labels.get("stage", "")
            buckets, total, count = found.get(stage, ({}, 0.0, 0.0))
            if sample.name.endswith("_bucket"):
                buckets[float(sample.labels["le"])] = sample.value
            elif sample.name.endswith("_sum"):
                total = sample.value
            elif sample.name.endswith("_count"):
                count = sample.value
            found[stage] = (buckets, total, count)
    return found
