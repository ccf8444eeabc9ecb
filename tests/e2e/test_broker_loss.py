"""Broker loss on the 3-broker cluster: a broker SIGKILLed mid-load and started again loses nothing and
stops nothing — every command is accepted, the read model holds every accepted item exactly once.

A PRIVATE cluster (``infra/kafka/start.sh`` with ``TUNETON_KAFKA_NODES=3``; ports 9392/9394/9396, small
heaps, its own state dir) carries the product; topics come from ``infra/kafka/topics.yaml`` with the
3-broker entry (replication factor 3, ``min.insync.replicas=2``). The registry, Elasticsearch and S3 are
the suite's (their state is namespaced: a database, an index and a bucket of this test only).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from confluent_kafka.admin import AdminClient

from tests.e2e.callers import track_of
from tests.e2e.conftest import Product, fresh_database
from tests.e2e.servers import ROOT, auth_env, auth_headers, product_env, serve, wait_processing, worker
from tests.fixtures.catalog_servers import S3Endpoint
from tuneton.adapters.kafka.admin import create_topics_from_spec

pytestmark = [pytest.mark.kafka, pytest.mark.fault, pytest.mark.timeout(900)]  # a cluster start alone takes ~1 min here

PORT = 9392
BOOTSTRAP = ",".join(f"127.0.0.1:{PORT + 2 * i}" for i in range(3))
CLIENTS = 4
ADDS_PER_CLIENT = 40


@dataclass(frozen=True)
class Cluster:
    """The private cluster's script environment."""

    env: dict[str, str]
    state: Path

    def script(self, name: str, **extra: str) -> None:
        done = subprocess.run(
            ["bash", str(ROOT / "infra" / "kafka" / name)],
            env={**self.env, **extra},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]

    def kill(self, node: int) -> None:
        """SIGKILL one broker (the JVM our start script recorded): no controlled shutdown."""
        pid = int((self.state / "kafka-cluster" / f"node-{node}" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    state = tmp_path_factory.mktemp("cluster")
    env = {**os.environ, "TUNETON_STACK_DIR": str(state), "TUNETON_KAFKA_PORT": str(PORT), "TUNETON_KAFKA_NODES": "3"}
    cluster = Cluster(env, state)
    try:
        cluster.script("start.sh")
        yield cluster
    finally:
        cluster.script("stop.sh")


@pytest.fixture(scope="module")
def database(postgres_dsn: str) -> Iterator[str]:
    with fresh_database(postgres_dsn, "tuneton_brokers") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def base(
    cluster: Cluster,
    tmp_path_factory: pytest.TempPathFactory,
    schema_registry_url: str,
    database: str,
    elasticsearch_url: str,
    s3_endpoint: S3Endpoint,
) -> Iterator[Product]:
    """API + Faust worker on the cluster."""
    lines = list(create_topics_from_spec(BOOTSTRAP, ROOT / "infra" / "kafka" / "topics.yaml"))
    # A CreateTopics retried after a lost answer reads "exists ... (created meanwhile)": still fresh,
    # as long as nothing drifts from the spec.
    assert not [line for line in lines if line.startswith("drift")], lines
    assert all(line.startswith(("created", "exists")) for line in lines), lines
    logs = tmp_path_factory.mktemp("brokers-product")
    suffix = uuid.uuid4().hex[:10]
    env = product_env(
        {
            "TUNETON_RUNTIME": "distributed",
            "TUNETON_DATA_DIR": str(logs / "data"),
            "TUNETON_WORKER_METRICS_PORT": str(19_000 + PORT % 1000),
            "TUNETON_KAFKA_BOOTSTRAP": BOOTSTRAP,
            "TUNETON_SCHEMA_REGISTRY_URL": schema_registry_url,
            "TUNETON_POSTGRES_DSN": database,
            "TUNETON_COMMAND_TIMEOUT_S": "30",
            "TUNETON_CONSISTENCY_WAIT_S": "30",
            "TUNETON_ELASTICSEARCH_URL": elasticsearch_url,
            "TUNETON_ELASTICSEARCH_INDEX": f"tuneton-brokers-{suffix}",
            "TUNETON_S3_ENDPOINT": s3_endpoint.endpoint,
            "TUNETON_S3_ACCESS_KEY": s3_endpoint.access_key,
            "TUNETON_S3_SECRET_KEY": s3_endpoint.secret_key,
            "TUNETON_S3_BUCKET": f"tuneton-brokers-{suffix}",
            **auth_env(logs / "auth"),
        }
    )
    server, url = serve(env, logs / "serve.log")  # before the worker: both starting at once can take >60 s
    processing = worker(env, logs / "worker.log")
    wait_processing(url, auth_headers(env, "probe-brokers"))
    yield Product("kafka", url, server, processing, env)
    server.stop()
    processing.stop()


@dataclass
class Load:
    """What the clients saw: every status and latency, and how many commands were accepted when."""

    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    accepted: int = 0
    quarter: threading.Event = field(default_factory=threading.Event)

    def saw(self, status: int, seconds: float) -> None:
        with self.lock:
            self.statuses.append(status)
            self.latencies.append(seconds)
            if status == 201:
                self.accepted += 1
                if self.accepted >= CLIENTS * ADDS_PER_CLIENT // 4:
                    self.quarter.set()


def _client(product: Product, load: Load, number: int) -> tuple[str, str, str, list[str]]:
    """One user adding tracks to their playlist; a 503 is retried with the same Idempotency-Key."""
    base = product.base
    user = f"broker-{number}-{uuid.uuid4().hex[:6]}"
    headers = product.auth(user)
    playlist = httpx.post(f"{base}/v1/playlists", json={"name": "Broker loss"}, headers=headers, timeout=60)
    assert playlist.status_code == 201, playlist.text
    playlist_id = playlist.json()["aggregate_id"]
    track_id = track_of(base, headers)  # one real track, added once per label
    added, token = [], ""
    for n in range(ADDS_PER_CLIENT):
        label = f"t{number}-{n:03d}"
        while True:
            started = time.monotonic()
            response = httpx.post(
                f"{base}/v1/playlists/{playlist_id}/items",
                json={"track_id": track_id},
                headers={**headers, "Idempotency-Key": f"{playlist_id}-{label}"},
                timeout=60,
            )
            load.saw(response.status_code, time.monotonic() - started)
            if response.status_code != 503:  # 503 = try again later, the documented retry signal
                break
            time.sleep(float(response.headers.get("Retry-After", "1")))
        assert response.status_code == 201, f"{label}: {response.status_code} {response.text}"
        added.append(track_id)
        token = response.json()["consistency_token"]
    return user, playlist_id, token, added


def _busiest_leader() -> int:
    """The broker leading the most command and playlist-event partitions: the loss that hurts most."""
    topics = AdminClient({"bootstrap.servers": BOOTSTRAP}).list_topics(timeout=10).topics
    leaders = [
        p.leader for name in ("tuneton.commands", "tuneton.playlist.events") for p in topics[name].partitions.values()
    ]
    return max(set(leaders), key=leaders.count)


def test_a_broker_killed_mid_load_loses_nothing_and_stops_nothing(cluster: Cluster, base: Product) -> None:
    load = Load()
    victim = _busiest_leader()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(_client, base, load, n) for n in range(CLIENTS)]
        assert load.quarter.wait(300), "the load never got going"
        cluster.kill(victim)
        killed_at = load.accepted
        time.sleep(10)  # the cluster runs on two brokers for a while, under load
        cluster.script("start.sh")  # starts just the missing node
        results = [f.result() for f in futures]
    assert killed_at < CLIENTS * ADDS_PER_CLIENT, "the broker died mid-load"
    assert set(load.statuses) <= {201, 503}, sorted(set(load.statuses))

    for user, playlist_id, token, added in results:
        body = httpx.get(
            f"{base.base}/v1/playlists/{playlist_id}",
            params={"consistency": token},
            headers=base.auth(user),
            timeout=60,
        )
        assert body.status_code == 200, body.text
        items = [item["track_id"] for item in body.json()["items"]]
        assert sorted(items) == sorted(added), "every accepted item, once"
    latencies = sorted(load.latencies)
    summary = {  # what clients saw, for docs/faults (printed with -s; no timing is asserted)
        "killed_broker": victim,
        "accepted_before_kill": killed_at,
        "requests": len(load.statuses),
        "statuses": {str(s): load.statuses.count(s) for s in sorted(set(load.statuses))},
        "p50_s": round(latencies[len(latencies) // 2], 3),
        "max_s": round(latencies[-1], 3),
    }
    print(json.dumps(summary))  # noqa: T201
