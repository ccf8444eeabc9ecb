"""Where a command's time goes on Kafka, hop by hop, from the records themselves (not a test).

Each record carries its producer's timestamp (CreateTime), so for the commands of a time window:
*command → outcome* is the edge's append to the decider's verdict being produced (consume, decide,
snapshot acknowledged, events and outcome produced); *event → visible* is the decider producing the
event to the projector's first commit naming its aggregate after that, heard as the commit's NOTIFY (``tuneton_applied``, see
``tuneton/adapters/sql/applied.py``) by a listener this module holds during the window. Both clocks
are this machine's, so the differences need no synchronisation.
"""

from __future__ import annotations

import collections
import statistics
import threading
import time
from typing import Any

import psycopg
from confluent_kafka import Consumer, TopicPartition

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


def _spread(samples: list[float]) -> dict[str, Any]:
    if not samples:
        return {"samples": 0}
    ordered = sorted(samples)
    return {
        "samples": len(ordered),
        "p50_ms": round(statistics.median(ordered), 1),
        "p90_ms": round(ordered[int(len(ordered) * 0.9)], 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
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
    return {"command_to_outcome_produced": _spread(decided), "event_produced_to_row_committed": _spread(visible)}
