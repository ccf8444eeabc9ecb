"""Streaming benchmark: 200 concurrent range readers against the Python path, the offload path and nginx.

Usage:
    python -m benchmarks.streaming [--connections 200] [--seconds 10] [--range-kib 64]

Starts two embedded ``tuneton serve`` (one sending bytes itself, one answering X-Accel-Redirect), uploads
the same 3-minute track to each, and starts its own nginx (plain HTTP on loopback) that (a) serves the
track's stream rendition straight from the blob directory and (b) proxies to the offloading server with
the gateway's internal location. ``wrk`` (Debian) then reads random byte ranges of the signed stream URL
from each, with a Lua script. Prints one JSON object: requests/s, MB/s and latency percentiles per path
and as ratios to nginx. Latency is wrk's: request sent → last byte of the range. Not a test.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.product_env import benchmark_env
from tests.e2e.servers import Process, free_port, wait_ready

LUA = """
math.randomseed(os.time())
local size, span, path = tonumber(os.getenv("BENCH_SIZE")), tonumber(os.getenv("BENCH_SPAN")), os.getenv("BENCH_PATH")
request = function()
  local first = math.random(0, size - span)
  return wrk.format("GET", path, {["Range"] = "bytes=" .. first .. "-" .. (first + span - 1)})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(99), summary.errors.status, summary.errors.connect,
    summary.errors.timeout))
end
"""


def nginx_conf(work: Path, port: int, blob_dir: Path, offload_upstream: str, *, auth_cache_s: int) -> Path:
    """A plain-HTTP nginx: /direct/ from the blob directory, everything else to the offloading API."""
    (work / "nginx").mkdir(exist_ok=True)
    conf = work / "nginx" / "nginx.conf"
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""  # as root, workers would be nobody
    conf.write_text(
        textwrap.dedent(f"""
        {user}
        worker_processes auto;
        pid {work}/nginx/nginx.pid;
        events {{ worker_connections 4096; }}
        http {{
            include /etc/nginx/mime.types;
            access_log off;
            sendfile on;
            client_body_temp_path {work}/nginx/body;
            proxy_temp_path {work}/nginx/proxy;
            max_ranges 1;
            upstream api {{ server {offload_upstream}; keepalive 64; }}
            proxy_cache_path {work}/nginx/cache levels=1:2 keys_zone=media_auth:10m max_size=64m inactive=1m;
            map $upstream_http_x_accel_redirect $not_offloaded {{ "" 1; default 0; }}
            server {{
                listen 127.0.0.1:{port};
                location /direct/ {{ alias {blob_dir}/; }}
                location /_tuneton_blobs/ {{
                    internal;
                    alias {blob_dir}/;
                    etag off;
                    add_header ETag $upstream_http_etag;
                }}
                location / {{
                    proxy_cache media_auth;
                    proxy_cache_key "$request_method|$request_uri|$http_authorization|$http_x_tuneton_user|$http_if_none_match";
                    proxy_cache_valid 200 {auth_cache_s}s;
                    proxy_ignore_headers Cache-Control Expires Set-Cookie;
                    proxy_no_cache $not_offloaded;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_pass http://api;
                }}
            }}
        }}
    """)
    )
    return conf


def serve_slowly(env: dict[str, str], log: Path) -> tuple[Process, str]:
    """``tuneton serve`` on a free port, allowed 5 minutes to get ready (a loaded machine is slow to start)."""
    port = free_port()
    process = Process([sys.executable, "-m", "tuneton.cli", "serve", "--port", str(port)], env, log).start()
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, process, timeout_s=300)
    return process, base


def upload_track(base: str, song: Path) -> dict[str, Any]:
    """Upload ``song`` (public) and return the stream rendition as an anonymous listener sees it."""
    with httpx.Client(base_url=base, timeout=300, headers={"X-Tuneton-User": "bench"}) as api, song.open("rb") as fh:
        answer = api.post("/v1/tracks", params={"visibility": "public"}, files={"file": (song.name, fh)})
        if answer.status_code != 201:
            raise RuntimeError(f"upload refused: {answer.status_code} {answer.text}")
        created = answer.json()
        track = api.get(f"/v1/tracks/{created['track_id']}", params={"consistency": created["consistency_token"]})
    stream = next(r for r in track.json()["renditions"] if r["name"] == "stream")
    with httpx.Client(base_url=base, timeout=60) as anonymous:
        public = anonymous.get(f"/v1/tracks/{created['track_id']}").json()
    return {**stream, "url": next(r for r in public["renditions"] if r["name"] == "stream")["url"]}


def wrk(base: str, path: str, *, size: int, span: int, connections: int, seconds: int, script: Path) -> dict[str, Any]:
    """One wrk run of random ``span``-byte ranges of ``path``; figures from the Lua ``done`` hook."""
    env = {"BENCH_SIZE": str(size), "BENCH_SPAN": str(span), "BENCH_PATH": path, "PATH": "/usr/bin:/bin"}
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), base],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, size_bytes, duration_us, p50, p99, status_errors, connect_errors, timeouts = map(int, fields)
    return {
        "requests_per_s": round(requests / (duration_us / 1e6), 1),
        "mb_per_s": round(size_bytes / (duration_us / 1e6) / 1e6, 1),
        "p50_ms": round(p50 / 1000, 2),
        "p99_ms": round(p99 / 1000, 2),
        "non_2xx": status_errors,
        "connect_errors": connect_errors,
        "timeouts": timeouts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--range-kib", type=int, default=64)
    parser.add_argument("--auth-cache-s", type=int, default=10, help="how long nginx reuses the API's offload answer")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-streaming-"))
    song = work / "song.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=30", "-ac", "2",
                    str(song)], check=True)  # fmt: skip
    python_env = benchmark_env("embedded", work / "python", TUNETON_COMMAND_TIMEOUT_S="120")
    offload_env = benchmark_env(
        "embedded", work / "offload", TUNETON_MEDIA_OFFLOAD="x-accel", TUNETON_COMMAND_TIMEOUT_S="120"
    )
    python_server, python_base = serve_slowly(python_env, work / "python.log")
    offload_server, offload_base = serve_slowly(offload_env, work / "offload.log")
    nginx_port = free_port()
    blob_dir = work / "offload" / "data" / "blobs" / "blobs"
    conf = nginx_conf(work, nginx_port, blob_dir, offload_base.removeprefix("http://"), auth_cache_s=args.auth_cache_s)
    subprocess.run(["nginx", "-p", str(work / "nginx"), "-c", str(conf), "-e", str(work / "nginx" / "error.log")],
                   check=True)  # fmt: skip
    script = work / "ranges.lua"
    script.write_text(LUA)
    try:
        python_stream, offload_stream = upload_track(python_base, song), upload_track(offload_base, song)
        nginx_base = f"http://127.0.0.1:{nginx_port}"
        key = offload_stream["url"].split("?")[0]  # the blob key is not in the URL: ask the API
        accel = httpx.get(offload_base + offload_stream["url"], timeout=30).headers["x-accel-redirect"]
        direct_path = "/direct/" + accel.removeprefix("/_tuneton_blobs/")
        size, span = offload_stream["size_bytes"], args.range_kib * 1024
        runs = {
            "nginx_direct": (nginx_base, direct_path),
            "offload": (nginx_base, offload_stream["url"]),
            "python": (python_base, python_stream["url"]),
        }
        figures: dict[str, Any] = {}
        for name, (base, path) in runs.items():
            figures[name] = wrk(base, path, size=size, span=span, connections=args.connections,
                                seconds=args.seconds, script=script)  # fmt: skip
            time.sleep(1)
        ref = figures["nginx_direct"]
        for name in ("offload", "python"):
            figures[name]["throughput_vs_nginx"] = round(figures[name]["requests_per_s"] / ref["requests_per_s"], 3)
            figures[name]["p99_vs_nginx"] = round(figures[name]["p99_ms"] / max(ref["p99_ms"], 0.001), 2)
        print(json.dumps({"connections": args.connections, "seconds": args.seconds, "range_bytes": span,
                          "file_bytes": size, "stream_path": key, **figures}, indent=2))  # fmt: skip
    finally:
        subprocess.run(["nginx", "-p", str(work / "nginx"), "-c", str(conf), "-s", "quit"], check=False)
        python_server.stop()
        offload_server.stop()


if __name__ == "__main__":
    main()
