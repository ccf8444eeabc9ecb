"""Render service benchmark: request to first audio, and cache hits, through the running product.

    .venv/bin/python -m benchmarks.render_service --runtime embedded|kafka [--requests 20] [--seconds 60]

Starts ``tuneton serve`` (plus the Faust worker for ``kafka``, on the servers of ``infra/stack up``,
``infra/s3/start.sh`` and ``infra/elasticsearch/start.sh``), uploads one synthetic stereo track
(benchmarks/render.py's drums + melody + pad, MP3) and then, one listener at a time:

* **first audio**: for each preset, ``--requests`` requests with distinct parameters (all cache
  misses); the clock runs from sending ``POST /v1/tracks/{id}/renders`` until the HLS playlist lists a
  segment AND that segment's bytes arrived over HTTP (what a player needs to start). Each render is
  awaited before the next request, so the figure is one listener's latency, not a queue's;
* **cache hit**: ``--requests`` repeats of a finished request; the clock runs from the POST until
  ``GET status_url`` (with the consistency token) answers ``ready`` with the asset.

Prints JSON. The load average is printed: other engineers share this 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.product_env import auth_headers, benchmark_env
from benchmarks.render import make_track
from tests.e2e.servers import Process, serve, wait_processing, worker

SR = 44100


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"n": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(percentile(ms, 0.95), 1),
            "max_ms": round(max(ms), 1)}  # fmt: skip


def encode_mp3(y: np.ndarray, path: Path) -> Path:
    pcm = np.ascontiguousarray(y.T, dtype="<f4").tobytes()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR), "-ac", "2", "-i", "pipe:0",
                    "-c:a", "libmp3lame", "-b:a", "192k", str(path)], input=pcm, check=True)  # fmt: skip
    return path


async def upload(api: httpx.AsyncClient, path: Path) -> str:
    with path.open("rb") as handle:
        created = await api.post("/v1/tracks", params={"visibility": "public"}, files={"file": (path.name, handle)})
    created.raise_for_status()
    body = created.json()
    seen = await api.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]})
    seen.raise_for_status()
    return str(body["track_id"])


async def first_audio(api: httpx.AsyncClient, track_id: str, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """Seconds from the request until the first segment's bytes are here; the request's answer."""
    started = time.perf_counter()
    answer = await api.post(f"/v1/tracks/{track_id}/renders", json=params)
    answer.raise_for_status()
    body = answer.json()
    files = body["entry_url"].rsplit("/", 1)[0]
    while True:
        playlist = await api.get(body["entry_url"])
        if playlist.status_code == 200:
            segments = [line for line in playlist.text.splitlines() if line and not line.startswith("#")]
            if segments:
                segment = await api.get(f"{files}/{segments[0]}")
                if segment.status_code == 200 and segment.content:
                    return time.perf_counter() - started, body
        await asyncio.sleep(0.005)


async def until_ready(api: httpx.AsyncClient, status_url: str, timeout_s: float = 600) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = await api.get(status_url)
        if status.status_code == 200 and status.json()["status"] in ("ready", "failed"):
            return dict(status.json())
        await asyncio.sleep(0.05)
    raise TimeoutError(status_url)


async def cache_hit(api: httpx.AsyncClient, track_id: str, params: dict[str, Any]) -> float:
    started = time.perf_counter()
    answer = await api.post(f"/v1/tracks/{track_id}/renders", json=params)
    answer.raise_for_status()
    status = await api.get(answer.json()["status_url"])
    status.raise_for_status()
    if status.json()["status"] != "ready":
        raise AssertionError(f"not a cache hit: {status.json()['status']}")
    return time.perf_counter() - started


def distinct_params(index: int, quality: str) -> dict[str, Any]:
    """Different pitch and tempo per request (every one a cache miss), spread over the allowed ranges."""
    semitones = round(-11 + (index * 2.37) % 22, 2)
    tempo = round(0.7 + (index * 0.13) % 0.9, 3)
    return {"semitones": semitones, "tempo": tempo, "quality": quality}


async def measure(base: str, auth: dict[str, str], track: Path, requests: int, presets: list[str]) -> dict[str, Any]:
    headers = auth
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120) as api:
        track_id = await upload(api, track)
        figures: dict[str, Any] = {}
        for quality in presets:
            latencies, walls = [], []
            for index in range(requests):
                seconds, body = await first_audio(api, track_id, distinct_params(index, quality))
                latencies.append(seconds)
                done = await until_ready(api, body["status_url"])
                if done["status"] != "ready":
                    raise AssertionError(f"render failed: {done['failure']}")
                walls.append(done)
            figures[f"first_audio_{quality}"] = summary(latencies)
        repeat = distinct_params(0, presets[0])
        figures["cache_hit"] = summary([await cache_hit(api, track_id, repeat) for _ in range(requests)])
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runtime", choices=["embedded", "kafka"], default="embedded")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the source track")
    parser.add_argument("--presets", default="high,preview")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-render-bench-"))
    unique = uuid.uuid4().hex[:8]
    extra = {"TUNETON_S3_BUCKET": f"tuneton-bench-{unique}", "TUNETON_ELASTICSEARCH_INDEX": f"tuneton-bench-{unique}"}
    env = benchmark_env(args.runtime, work, **(extra if args.runtime == "kafka" else {}))
    processes: list[Process] = []
    if args.runtime == "kafka":
        processes.append(worker(env, work / "worker.log"))
    server, base = serve(env, work / "serve.log")
    processes.append(server)
    try:
        if args.runtime == "kafka":
            wait_processing(base, auth_headers(env, "bench-probe"))
        time.sleep(3)  # the render pool warms up in the background
        track = encode_mp3(make_track(args.seconds, seed=int(time.time())), work / "bench.mp3")
        figures: dict[str, Any] = {"runtime": args.runtime, "cpus": os.cpu_count(), "source_s": args.seconds,
                                   "loadavg_at_start": round(os.getloadavg()[0], 2)}  # fmt: skip
        figures |= asyncio.run(
            measure(
                base, auth_headers(env, f"bench-{uuid.uuid4().hex[:8]}"), track, args.requests, args.presets.split(",")
            )
        )
        figures["loadavg_at_end"] = round(os.getloadavg()[0], 2)
        print(json.dumps(figures, indent=2))
    finally:
        for process in processes:
            process.stop()


if __name__ == "__main__":
    main()
