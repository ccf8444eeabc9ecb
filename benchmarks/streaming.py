"""Streaming benchmark: 200 concurrent readers against the Python path, the offload path and nginx.

Usage:
    python -m benchmarks.streaming [--connections 200] [--seconds 10] [--range-kib 64] [--track-s 180]
                                   [--auth-cache-s 10] [--offload auth_request|two_tier]

Starts two embedded ``tuneton serve`` (one sending bytes itself, one answering X-Accel-Redirect), uploads
the same track to each, and starts its own nginx (plain HTTP on loopback) that (a) serves the track's
stream rendition straight from the blob directory and (b) serves the offloading server's media URLs the
way the gateway does (infra/gateway/nginx.conf.template): the API's authorization answer cached per URL
and credential, the file sent by nginx. ``wrk`` (Debian) then runs two workloads against each path with
a Lua script: random ``--range-kib`` ranges (a seeking player, hls.js) and open ranges ``bytes=N-`` read to
the end (an ``<audio>`` element). Prints one JSON object: requests/s, MB/s and latency percentiles per
path and workload, as ratios to nginx in the same run, and how many requests reached the offloading API.
Latency is wrk's: request sent → last byte. Not a test.
"""

from __future__ import annotations

import argparse
import collections
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

from benchmarks import pyspy, wrk
from benchmarks.command_load import NOOP
from benchmarks.product_env import benchmark_env
from tests.e2e.servers import Process, free_port, wait_ready

LUA = """
math.randomseed(os.time())
local size, span, path = tonumber(os.getenv("BENCH_SIZE")), tonumber(os.getenv("BENCH_SPAN")), os.getenv("BENCH_PATH")
request = function()
  if span == 0 then  -- an <audio> element: from a random start to the end
    return wrk.format("GET", path, {["Range"] = "bytes=" .. math.random(0, size - 1) .. "-"})
  end
  local first = math.random(0, size - span)
  return wrk.format("GET", path, {["Range"] = "bytes=" .. first .. "-" .. (first + span - 1)})
end
"""

# The offload path, as the gateway runs it (infra/gateway/nginx.conf.template has the reasons): the
# API's offload answer is cached per URL and credential and nginx sends the file. Two designs:
# auth_request (an in-process subrequest to a cached location; the file served by the outer location)
# and two_tier (the outer location proxies to an inner caching server on a unix socket that keeps
# X-Accel-Redirect unfollowed; the outer follows it).
AUTH_REQUEST = """
    map "$request_method|$http_if_none_match" $media_by_api {{ "GET|" 0; default 1; }}
    map $media_accel $media_file {{ "~^/_tuneton_blobs/(?<key>[^?]+)$" /$key; default /.none; }}
    server {{
        listen 127.0.0.1:{port};
        location /direct/ {{ alias {blob_dir}/; }}
        location /_tuneton_blobs/ {{ internal; alias {blob_dir}/; etag off; add_header ETag $upstream_http_etag; }}
        location = /_media_auth {{
            internal;
            proxy_pass http://api$request_uri;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_cache media_auth;
            proxy_cache_key "$request_uri|$http_authorization|$http_x_tuneton_user";
            proxy_cache_valid 200 {auth_cache_s}s;
            proxy_cache_lock on;
            proxy_cache_use_stale updating;
            proxy_read_timeout 5s;
            proxy_ignore_headers X-Accel-Redirect X-Accel-Expires Cache-Control Expires Set-Cookie;
            proxy_no_cache $not_offloaded;
            proxy_intercept_errors on;
            error_page 301 302 303 307 308 400 401 403 404 405 409 410 416 422 429 500 502 503 504 = @media_by_api;
        }}
        location @media_by_api {{ return 204; }}
        location @media_api {{ proxy_pass http://api; proxy_http_version 1.1; proxy_set_header Connection ""; }}
        location / {{
            error_page 419 = @media_api;
            if ($media_by_api) {{ return 419; }}
            auth_request /_media_auth;
            auth_request_set $media_accel $upstream_http_x_accel_redirect;
            auth_request_set $media_etag $upstream_http_etag;
            auth_request_set $media_cache_control $upstream_http_cache_control;
            auth_request_set $media_type $upstream_http_content_type;
            root {blob_dir};
            try_files $media_file @media_api;
            etag off;
            types {{ }}
            default_type "";
            add_header Content-Type $media_type;
            add_header ETag $media_etag;
            add_header Cache-Control $media_cache_control;
        }}
    }}
"""
TWO_TIER = """
    upstream media_cache {{ server unix:{work}/nginx/media.sock; keepalive 64; }}
    server {{
        listen unix:{work}/nginx/media.sock;
        location / {{
            proxy_pass http://api;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_cache media_auth;
            proxy_cache_key "$request_method|$request_uri|$http_authorization|$http_x_tuneton_user|$http_if_none_match";
            proxy_cache_valid 200 {auth_cache_s}s;
            proxy_cache_lock on;
            proxy_cache_convert_head off;
            proxy_ignore_headers X-Accel-Redirect X-Accel-Expires Cache-Control Expires Set-Cookie;
            proxy_pass_header X-Accel-Redirect;
            proxy_no_cache $not_offloaded;
            proxy_set_header If-None-Match $http_if_none_match;
            proxy_set_header Range $http_range;
            proxy_set_header If-Range $http_if_range;
        }}
    }}
    server {{
        listen 127.0.0.1:{port};
        location /direct/ {{ alias {blob_dir}/; }}
        location /_tuneton_blobs/ {{ internal; alias {blob_dir}/; etag off; add_header ETag $upstream_http_etag; }}
        location / {{ proxy_pass http://media_cache; proxy_http_version 1.1; proxy_set_header Connection ""; }}
    }}
"""
DESIGNS = {"auth_request": AUTH_REQUEST, "two_tier": TWO_TIER}


def nginx_conf(work: Path, port: int, blob_dir: Path, offload_upstream: str, *, auth_cache_s: int, design: str) -> Path:
    """A plain-HTTP nginx: /direct/ from the blob directory, media URLs through the offload ``design``."""
    (work / "nginx").mkdir(exist_ok=True)
    conf = work / "nginx" / "nginx.conf"
    user = f"user {getpass.getuser()};" if os.geteuid() == 0 else ""  # as root, workers would be nobody
    servers = DESIGNS[design].format(port=port, blob_dir=blob_dir, auth_cache_s=auth_cache_s, work=work)
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
            # Not tcp_nopush: with sendfile (plain HTTP) it stalls a 64-KiB answer of the auth_request
            # location for a delayed ACK (p50 44 ms instead of 13 ms, measured); the gateway serves TLS,
            # where nginx does not use sendfile and tcp_nopush does nothing.
            keepalive_requests 10000;
            open_file_cache max=10000 inactive=60s;
            client_body_temp_path {work}/nginx/body;
            proxy_temp_path {work}/nginx/proxy;
            max_ranges 1;
            upstream api {{ server {offload_upstream}; keepalive 64; }}
            proxy_cache_path {work}/nginx/cache levels=1:2 keys_zone=media_auth:10m max_size=64m inactive=1m;
            map $upstream_http_x_accel_redirect $not_offloaded {{ "" 1; default 0; }}
        """)
        + servers
        + "}\n"
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


def audio_requests(base: str) -> int:
    """How many audio requests the API at ``base`` has answered (its /metrics), to see what the cache spared it."""
    text = httpx.get(f"{base}/metrics", timeout=30).text
    return sum(
        int(float(line.rsplit(" ", 1)[1]))
        for line in text.splitlines()
        if line.startswith("tuneton_http_request_seconds_count") and "/audio/" in line
    )


def ranges(base: str, path: str, work: Path, *, size: int, span: int, connections: int, seconds: int) -> dict[str, Any]:
    """One wrk run (two threads) of ``span``-byte ranges (0: open ranges to the end) of ``path``."""
    env = {"BENCH_SIZE": str(size), "BENCH_SPAN": str(span), "BENCH_PATH": path}
    figures = wrk.run(base, LUA, work, connections=connections, seconds=seconds, threads=2, env=env)
    del figures["requests"]
    return figures


def sampled_ranges(
    base: str, path: str, work: Path, *, size: int, span: int, args: argparse.Namespace, sampled: Process | None
) -> dict[str, Any]:
    """``ranges``, with py-spy on ``sampled`` meanwhile when given: where that server's CPU went."""
    out = work / f"{span or 'to-the-end'}.pyspy"
    spy = pyspy.record(sampled.popen.pid, out, args.seconds) if sampled is not None and sampled.popen else None
    figures = ranges(base, path, work, size=size, span=span, connections=args.connections, seconds=args.seconds)
    if spy is not None:
        spy.wait(timeout=args.seconds + 60)
        figures["on_stack_share"] = inclusive_shares(out.read_text())
    return figures


def inclusive_shares(raw: str, top: int = 25) -> dict[str, float]:
    """py-spy's raw (collapsed) stacks → the share of samples each function is on the stack for, largest first."""
    counts: collections.Counter[str] = collections.Counter()
    total = 0
    for stack, count in pyspy.stacks(raw):
        total += count
        for frame in {f.split(" (")[0] for f in stack.split(";")}:
            counts[frame] += count
    return {name: round(n / total, 3) for name, n in counts.most_common(top)} if total else {}


def ratios(figures: dict[str, dict[str, Any]]) -> None:
    """Add throughput (MB/s), requests/s and p99 of every path as ratios to nginx_direct's, in place."""
    ref = figures["nginx_direct"]
    for name, got in figures.items():
        if name != "nginx_direct":
            got["requests_vs_nginx"] = round(got["requests_per_s"] / max(ref["requests_per_s"], 0.001), 3)
            got["throughput_vs_nginx"] = round(got["mb_per_s"] / max(ref["mb_per_s"], 0.001), 3)
            got["p99_vs_nginx"] = round(got["p99_ms"] / max(ref["p99_ms"], 0.001), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--range-kib", type=int, default=64)
    parser.add_argument("--track-s", type=int, default=180, help="length of the benchmark's track")
    parser.add_argument("--auth-cache-s", type=int, default=10, help="how long nginx reuses the API's offload answer")
    parser.add_argument("--offload", choices=sorted(DESIGNS), default="auth_request", help="the gateway design")
    parser.add_argument(
        "--profile", action="store_true", help="py-spy samples the Python path's server; where its CPU goes"
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-streaming-"))
    song = work / "song.wav"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency=330:duration={args.track_s}",
                    "-ac", "2", str(song)], check=True)  # fmt: skip
    # Two hundred readers of one public track are one anonymous listener's 200 requests: no stream cap.
    common = {"TUNETON_COMMAND_TIMEOUT_S": "120", "TUNETON_MAX_STREAMS_PER_USER": "0"}
    python_env = benchmark_env("embedded", work / "python", **common)
    offload_env = benchmark_env("embedded", work / "offload", TUNETON_MEDIA_OFFLOAD="x-accel", **common)
    python_server, python_base = serve_slowly(python_env, work / "python.log")
    offload_server, offload_base = serve_slowly(offload_env, work / "offload.log")
    nginx_port = free_port()
    blob_dir = work / "offload" / "data" / "blobs" / "blobs"
    upstream = offload_base.removeprefix("http://")
    conf = nginx_conf(work, nginx_port, blob_dir, upstream, auth_cache_s=args.auth_cache_s, design=args.offload)
    subprocess.run(["nginx", "-p", str(work / "nginx"), "-c", str(conf), "-e", str(work / "nginx" / "error.log")],
                   check=True)  # fmt: skip
    try:
        python_stream, offload_stream = upload_track(python_base, song), upload_track(offload_base, song)
        nginx_base = f"http://127.0.0.1:{nginx_port}"
        accel = httpx.get(offload_base + offload_stream["url"], timeout=30).headers["x-accel-redirect"]
        direct_path = "/direct/" + accel.removeprefix("/_tuneton_blobs/")  # the blob key is not in the URL
        size = offload_stream["size_bytes"]
        runs = {
            "nginx_direct": (nginx_base, direct_path),
            "offload": (nginx_base, offload_stream["url"]),
            "python": (python_base, python_stream["url"]),
        }
        workloads = {"ranges": args.range_kib * 1024, "to_the_end": 0}
        result: dict[str, Any] = {"connections": args.connections, "seconds": args.seconds, "file_bytes": size,
                                  "offload_design": args.offload, "auth_cache_s": args.auth_cache_s,
                                  "loadavg_before": Path("/proc/loadavg").read_text().split()[:3]}  # fmt: skip
        for workload, span in workloads.items():
            figures: dict[str, dict[str, Any]] = {}
            for name, (base, path) in runs.items():
                httpx.get(base + path, headers={"Range": "bytes=0-0"}, timeout=60)  # steady state: the cache warm
                api_before = audio_requests(offload_base)
                sampled = python_server if name == "python" and args.profile else None
                figures[name] = sampled_ranges(base, path, work, size=size, span=span, args=args, sampled=sampled)
                if name == "offload":
                    figures[name]["api_requests"] = audio_requests(offload_base) - api_before
                time.sleep(1)
            if span:  # the Python path's ceiling per request: its HTTP stack answering nothing at all
                figures["python_noop_get"] = wrk.run(
                    python_base, NOOP, work, connections=args.connections, seconds=args.seconds, threads=2, env={}
                )
            ratios(figures)
            result[workload] = {"range_bytes": span or "N-", **figures}
        result["loadavg_after"] = Path("/proc/loadavg").read_text().split()[:3]
        print(json.dumps(result, indent=2))
    finally:
        subprocess.run(["nginx", "-p", str(work / "nginx"), "-c", str(conf), "-s", "quit"], check=False)
        python_server.stop()
        offload_server.stop()


if __name__ == "__main__":
    main()
