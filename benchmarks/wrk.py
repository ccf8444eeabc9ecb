"""``wrk`` (Debian) as the load generator: a C client costs the server's machine little CPU per request,
where an httpx client needs about 1 ms CPU per request and hides the server's speed.

A benchmark passes a Lua script whose ``done`` hook prints the ``RESULT_HOOK`` line; ``run`` starts wrk
and turns that line into figures. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

# Appended to every script: one machine-readable line with wrk's own counters and latency percentiles.
RESULT_HOOK = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\\n", summary.requests, summary.bytes,
    summary.duration, latency:percentile(50), latency:percentile(99), summary.errors.status,
    summary.errors.connect, summary.errors.timeout))
end
"""


def run(
    base: str, script: str, work: Path, *, connections: int, seconds: int, threads: int = 1, env: dict[str, str]
) -> dict[str, Any]:
    """Run ``script`` (Lua, without a ``done`` hook) against ``base``; requests/s, latency, errors."""
    path = work / f"wrk-{abs(hash(script))}.lua"
    path.write_text(script + RESULT_HOOK, encoding="utf-8")
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(path), base],
        env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, size, duration_us, p50, p99, status_errors, connect_errors, timeouts = map(int, fields)
    return {
        "requests": requests,
        "requests_per_s": round(requests / (duration_us / 1e6), 1),
        "mb_per_s": round(size / (duration_us / 1e6) / 1e6, 1),
        "p50_ms": round(p50 / 1000, 2),
        "p99_ms": round(p99 / 1000, 2),
        "non_2xx": status_errors,
        "connect_errors": connect_errors,
        "timeouts": timeouts,
    }
