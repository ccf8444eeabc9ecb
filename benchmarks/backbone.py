"""Backbone benchmark: commands through HTTP, command→visible latency, rebuild rate, memory.

Usage:
    python -m benchmarks.backbone --runtime embedded
    python -m benchmarks.backbone --runtime kafka      # needs `infra/stack up`

Prints one JSON object of figures per phase. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer as ConfluentConsumer
from confluent_kafka import TopicPartition as ConfluentPartition

from benchmarks import command_load, kafka_hops
from benchmarks.lean_http import LeanClient
from benchmarks.product_env import auth_headers, benchmark_env, setting_env
from processors import roles
from projections.registry import PROJECTIONS, SEARCH
from tests.e2e.servers import ROOT, Process, embedded_workers, free_port, serve, wait_processing, worker
from tuneton.adapters.kafka.admin import create_topics_from_spec
from tuneton.bootstrap import TOPICS_SPEC, build_runtime
from tuneton.domain.playlist import events as e
from tuneton.domain.playlist.commands import Visibility
from tuneton.domain.playlist.ordering import key_between
from tuneton.events import topics
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import OutgoingRecord
from tuneton.settings import Settings


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident (VmRSS) or peak resident (VmHWM) memory of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def bench_track(api: httpx.AsyncClient, env: dict[str, str], user: str) -> str:
    """One real track of ``user``'s (a 1-s WAV tone): playlists only take tracks their caller can see."""
    import io

    import numpy as np
    import soundfile as sf

    # A frequency of its own (to 1/1000 Hz): the bytes of one user's tracks differ (one upload each per
    # run; a user's repeated bytes would be a duplicate with no new event to wait for).
    frequency = 200 + (uuid.uuid4().int % 800_000) / 1000
    tone = 0.2 * np.sin(2 * np.pi * frequency * np.arange(44100) / 44100)
    wav = io.BytesIO()
    sf.write(wav, tone, 44100, format="WAV")
    h = auth_headers(env, user)
    answer = await api.post("/v1/tracks", files={"file": ("tone.wav", wav.getvalue())}, headers=h)
    answer.raise_for_status()
    track = answer.json()
    consistency = {"consistency": track["consistency_token"]}
    (await api.get(f"/v1/tracks/{track['track_id']}", params=consistency, headers=h)).raise_for_status()
    return str(track["track_id"])


async def visible_latency(
    base: str, env: dict[str, str], samples: int, concurrency: int, *, generator: str = "lean"
) -> dict[str, Any]:
    """Time from sending a command to a query that reflects it (consistency token) returning.

    Split in two: the command (its answer waits for the decider's verdict) and the read (it waits for
    the projection to apply the token's version). ``generator`` ``httpx`` times the old client, to
    measure what the lean one saves (``client_cpu_ms_per_sample``).
    """
    latencies: list[float] = []
    commands: list[float] = []

    async def prepare(api: httpx.AsyncClient, n: int) -> tuple[dict[str, str], str, str]:
        """A user of its own with a playlist and a track (httpx: untimed)."""
        user = f"lat{n}-{uuid.uuid4().hex[:6]}"
        h = auth_headers(env, user)
        playlist_id = (await api.post("/v1/playlists", json={"name": "lat"}, headers=h)).json()["aggregate_id"]
        return h, playlist_id, await bench_track(api, env, user)

    async def client(api: httpx.AsyncClient, h: dict[str, str], playlist_id: str, track: str) -> None:
        async with LeanClient(base) as lean:
            for _ in range(samples // concurrency):
                t0 = time.perf_counter()
                path, body = f"/v1/playlists/{playlist_id}/items", {"track_id": track}
                added = await (
                    lean.post(path, json_body=body, headers=h)
                    if generator == "lean"
                    else api.post(path, json=body, headers=h)
                )
                added.raise_for_status()
                commands.append((time.perf_counter() - t0) * 1000)
                query = {"consistency": added.json()["consistency_token"], "items_limit": 1}
                path = f"/v1/playlists/{playlist_id}"
                read = await (
                    lean.get(path, params=query, headers=h)
                    if generator == "lean"
                    else api.get(path, params=query, headers=h)
                )
                read.raise_for_status()
                latencies.append((time.perf_counter() - t0) * 1000)

    async with httpx.AsyncClient(base_url=base, timeout=60) as api:
        prepared = await asyncio.gather(*(prepare(api, n) for n in range(concurrency)))
        before = time.thread_time()  # the load generator's own CPU over the timed loops
        await asyncio.gather(*(client(api, *each) for each in prepared))
        client_cpu_s = time.thread_time() - before
    return {
        "samples": len(latencies),
        "concurrency": concurrency,
        "generator": generator,
        "client_cpu_ms_per_sample": round(client_cpu_s * 1000 / max(1, len(latencies)), 3),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "command_p50_ms": round(statistics.median(commands), 2),
        "command_p99_ms": round(percentile(commands, 0.99), 2),
        "read_after_p50_ms": round(
            statistics.median(reads := [t - c for t, c in zip(latencies, commands, strict=True)]), 2
        ),
        "read_after_p99_ms": round(percentile(reads, 0.99), 2),
    }


async def seed_events(settings: Settings, count: int) -> float:
    """Append ``count`` playlist events (1 create + 99 adds per playlist) straight to the log."""
    runtime = build_runtime(settings)
    await runtime.event_log.start()
    if runtime.embedded:  # without a server run first (``--only rebuild``) the topics do not exist yet
        await runtime.event_log.ensure_topics(topics.PARTITIONS)
    else:
        for _line in create_topics_from_spec(settings.kafka_bootstrap, TOPICS_SPEC):
            pass
    await runtime.codec.start()
    started = time.perf_counter()
    batch: list[OutgoingRecord] = []
    now = datetime.now(UTC)
    written = 0
    while written < count:
        playlist_id = str(uuid.uuid4())
        rank = None
        for version in range(1, 101):
            if version == 1:
                event: object = e.PlaylistCreated(
                    owner_id="seed", name="seed", description="", visibility=Visibility.PUBLIC
                )
            else:
                rank = key_between(rank, None)
                event = e.TrackAdded(item_id=f"i{version}", track_id=f"t{version}", rank=rank)
            envelope = EventEnvelope(
                event_id=str(uuid.uuid4()),
                aggregate_type="playlist",
                aggregate_id=playlist_id,
                aggregate_version=version,
                occurred_at=now,
                actor_id="seed",
                correlation_id="seed",
                causation_id="seed",
                event=event,
            )
            batch.append(
                OutgoingRecord(
                    topic="tuneton.playlist.events",
                    key=playlist_id.encode(),
                    value=runtime.codec.encode_event(envelope),
                )
            )
        written += 100
        if len(batch) >= 5000:
            await runtime.event_log.append(batch)
            batch = []
    if batch:
        await runtime.event_log.append(batch)
    await runtime.event_log.close()
    return time.perf_counter() - started


def rebuild(env: dict[str, str]) -> dict[str, float]:
    """Run the rebuild CLI and report its own figures plus its peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "projections", "rebuild", "playlists"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report["peak_rss_mb"] = round(max(peak, before) / 1024, 1)
    return report


def rebuild_only(env: dict[str, str], runtime: str, events: int) -> dict[str, object]:
    """Seed the log and rebuild, without the HTTP phases (for measuring rebuild changes alone)."""
    figures: dict[str, object] = {"runtime": runtime, "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()[0]}
    seconds = asyncio.run(seed_events(settings_from(env), events))
    figures["seeded_events"] = {"events": events, "seconds": round(seconds, 2)}
    figures["loadavg_before_rebuild"] = os.getloadavg()[0]
    figures["rebuild"] = rebuild(env)
    return figures


def start_at_log_end(bootstrap: str, worker_roles: list[str]) -> None:
    """Commit each projecting role's consumer group at the end of the topics it reads, before it starts.

    A run's read models start empty (a database of its own), and a projector whose group has no
    committed offset starts at the log's beginning: on a dev stack that has served many runs and tests,
    the playlists projector of a ``--worker-roles`` run replayed 40,000 older events (dead-lettering the
    tests' poison records) before this run's first, and the latency phase stopped at a 503. The decider's
    group is left alone: it is the ``all`` worker's too, and its snapshots are the decider's state.
    """
    sources = {name: projection.topics for name, projection in PROJECTIONS.items()}
    sources |= {SEARCH.name: SEARCH.topics, "render": (topics.RENDER_EVENTS,)}
    for role in worker_roles:
        if role not in sources:
            continue
        consumer = ConfluentConsumer({"bootstrap.servers": bootstrap, "group.id": roles.group_of(role)})
        try:
            ends = []
            for topic in sources[role]:
                for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
                    _, high = consumer.get_watermark_offsets(ConfluentPartition(topic, partition), timeout=10)
                    ends.append(ConfluentPartition(topic, partition, high))
            consumer.commit(offsets=ends, asynchronous=False)
        finally:
            consumer.close()


def settings_from(env: dict[str, str]) -> Settings:
    values = {
        k.removeprefix("TUNETON_").lower(): v
        for k, v in env.items()
        if k.startswith("TUNETON_") and k != "TUNETON_CONFIG"
    }
    return Settings(**values)


def http_phases(
    args: argparse.Namespace, env: dict[str, str], work: Path, processes: list[Process], decider_metrics: str | None
) -> dict[str, Any]:
    """Serve; measure a no-op GET, commands and command→visible latency; memory. Appends what it starts.
    ``decider_metrics``: the Kafka decider's ``/metrics`` URL (its stages in the latency phase)."""
    server, base = serve(env, work / "serve.log")
    processes.append(server)
    if args.runtime == "kafka":  # Faust joins its consumer groups slowly: the first commands would 503
        wait_processing(base, auth_headers(env, "probe"))
    time.sleep(2)
    figures: dict[str, Any] = {"runtime": args.runtime, "cpus": os.cpu_count(), "loadavg_at_start": os.getloadavg()[0]}
    figures["serve_idle_rss_mb"] = round(rss_mb(server.popen.pid), 1)
    pids = [p.popen.pid for p in processes]
    labels = [*(f"worker {role}" for role in args.worker_roles), "api"] if args.runtime == "kafka" else ["serve"]
    if args.runtime == "embedded":  # ``embedded_processors = "worker"``: serve's child runs the processors
        children = embedded_workers(server.popen.pid)
        pids += children
        labels += ["embedded worker"] * len(children)
        if children:
            figures["embedded_worker_idle_rss_mb"] = round(rss_mb(children[0]), 1)
    targets = asyncio.run(command_load.prepare_targets(base, env, args.concurrency, bench_track))
    load = {"connections": args.concurrency, "seconds": args.seconds, "labels": labels}
    figures["noop_get"] = command_load.measure(base, command_load.NOOP, work, pids, **load, env={})
    if args.runtime == "embedded":  # on Kafka a refusal's fresh lookup is a PostgreSQL round trip, not edge
        refused = {"BENCH_TARGETS": command_load.refused_at_the_edge(targets)}
        figures["edge_only"] = command_load.measure(base, command_load.ADD_TRACK, work, pids, **load, env=refused)
    if args.profile:
        figures["commands"] = command_load.profiled(base, work, pids, targets=targets, **load)
    else:
        figures["commands"] = command_load.measure(
            base, command_load.ADD_TRACK, work, pids, **load, env={"BENCH_TARGETS": targets}
        )
    figures["commands_vs_noop_get"] = round(
        figures["commands"]["requests_per_s"] / figures["noop_get"]["requests_per_s"], 3
    )
    if "edge_only" in figures:
        figures["commands_vs_edge_only"] = round(
            figures["commands"]["requests_per_s"] / figures["edge_only"]["requests_per_s"], 3
        )
    if args.runtime == "kafka":  # and the same samples hop by hop, from the records' timestamps
        settings = settings_from(env)
        ages_before = kafka_hops.settled(decider_metrics) if decider_metrics else ""
        appends_before = kafka_hops.scrape(f"{base}/metrics")
        since_ms = int(time.time() * 1000)
        with kafka_hops.CommitListener(settings.postgres_dsn, "playlists") as commits:
            figures["command_to_visible"] = asyncio.run(visible_latency(base, env, args.latency_samples, args.latency_clients, generator=args.latency_generator))
        figures["command_to_visible"]["hops"] = kafka_hops.hops(settings.kafka_bootstrap, since_ms, commits)
        appends = kafka_hops.api_appends(appends_before, kafka_hops.scrape(f"{base}/metrics"))
        figures["command_to_visible"]["hops"]["api_append"] = appends  # the first part of the decider's "arrived"
        if decider_metrics:  # inside the first hop: the decider's stages
            ages = kafka_hops.decider_stages(ages_before, kafka_hops.scrape(decider_metrics))
            figures["command_to_visible"]["hops"]["decider_command_age"] = ages
    else:
        figures["command_to_visible"] = asyncio.run(visible_latency(base, env, args.latency_samples, args.latency_clients, generator=args.latency_generator))
    figures["serve_peak_rss_mb"] = round(rss_mb(server.popen.pid, "VmHWM"), 1)
    if "embedded_worker_idle_rss_mb" in figures:
        figures["embedded_worker_peak_rss_mb"] = round(rss_mb(pids[-1], "VmHWM"), 1)
    if args.runtime == "kafka":
        figures["worker_peak_rss_mb"] = {
            label: round(rss_mb(p.popen.pid, "VmHWM"), 1) for label, p in zip(labels, processes[:-1], strict=False)
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=["embedded", "kafka"], default="embedded")
    parser.add_argument("--seconds", type=int, default=15, help="length of each wrk phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--profile", action="store_true", help="split CPU per command into stages (py-spy)")
    parser.add_argument("--latency-samples", type=int, default=800)
    parser.add_argument("--latency-clients", type=int, default=8, help="sequential clients of the command→visible phase")
    parser.add_argument(
        "--latency-generator",
        choices=["lean", "httpx"],
        default="lean",
        help="the command→visible clients: lean keep-alive connections, or httpx (the old generator, for comparison)",
    )
    parser.add_argument(
        "--setting", action="append", default=[], metavar="NAME=VALUE", help="a product setting, e.g. command_timeout_s=20"
    )
    parser.add_argument(
        "--embedded-processors",
        choices=["in-process", "worker"],
        help="embedded runtime: the product's embedded_processors (default: the product's default)",
    )
    parser.add_argument("--rebuild-events", type=int, default=100_000, help="0: skip the rebuild phase")
    parser.add_argument("--only", choices=["rebuild"], help="run one phase only (no server started)")
    parser.add_argument("--database-prefix", default="tuneton_bench", help="Kafka runtime: the database's name prefix")
    parser.add_argument("--kafka-bootstrap", help="Kafka runtime: brokers other than the settings' default")
    parser.add_argument(
        "--gc-young-threshold", type=int, help="the product's gc_young_threshold (0: Python's default collector)"
    )
    parser.add_argument(
        "--decider-batches-in-flight", type=int, help="Kafka runtime: the product's decider_batches_in_flight"
    )
    parser.add_argument(
        "--worker-roles",
        type=lambda text: text.split(","),
        default=["all"],
        help="Kafka runtime: one Faust worker per role, e.g. decider,playlists,users,tracks,renders,listening,"
        "search,render (processors/roles.py); default one worker running all",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-bench-"))
    extra = {"TUNETON_KAFKA_BOOTSTRAP": args.kafka_bootstrap} if args.kafka_bootstrap else {}
    if args.gc_young_threshold is not None:
        extra["TUNETON_GC_YOUNG_THRESHOLD"] = str(args.gc_young_threshold)
    extra |= setting_env(args.setting)
    if args.embedded_processors is not None:
        extra["TUNETON_EMBEDDED_PROCESSORS"] = args.embedded_processors
    if args.decider_batches_in_flight is not None:
        extra["TUNETON_DECIDER_BATCHES_IN_FLIGHT"] = str(args.decider_batches_in_flight)
    env = benchmark_env(args.runtime, work, database_prefix=args.database_prefix, **extra)
    if args.only == "rebuild":
        print(json.dumps(rebuild_only(env, args.runtime, args.rebuild_events), indent=2))
        return
    processes: list[Process] = []
    decider_metrics = None
    try:
        if args.runtime == "kafka":
            start_at_log_end(settings_from(env).kafka_bootstrap, args.worker_roles)
            for role in args.worker_roles:
                port = free_port()
                own = {"TUNETON_WORKER_ROLE": role, "TUNETON_WORKER_METRICS_PORT": str(port)}
                processes.append(worker({**env, **own}, work / f"worker-{role}.log"))
                if roles.runs(role, "decider"):
                    decider_metrics = f"http://127.0.0.1:{port}/metrics"
        figures = http_phases(args, env, work, processes, decider_metrics)
    finally:
        for process in processes:  # also when a phase failed: no server or worker left behind
            process.stop()
    if args.rebuild_events:
        seconds = asyncio.run(seed_events(settings_from(env), args.rebuild_events))
        figures["seeded_events"] = {"events": args.rebuild_events, "seconds": round(seconds, 2)}
        figures["rebuild"] = rebuild(env)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
