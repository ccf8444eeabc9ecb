"""What FastAPI's native OpenTelemetry costs per request when nothing is configured, in the same run.

Usage:
    python -m benchmarks.native_telemetry [--repeat 5000]

FastAPI 0.165 asks OpenTelemetry's three global providers on every request whether one is configured,
and each ask reads ``os.environ``. ``tuneton serve`` turns that telemetry off (tuneton/server.py). Two
apps with the same one trivial route, FastAPI's default and telemetry off, each answer ``repeat`` whole
ASGI requests in process (no sockets); each figure is the best of fifteen rounds, the two apps' rounds alternating, µs per request.
Prints one JSON object. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

SCOPE: dict[str, Any] = {
    "type": "http", "method": "GET", "path": "/ping", "raw_path": b"/ping", "query_string": b"", "headers": [],
    "http_version": "1.1", "scheme": "http", "root_path": "", "server": ("bench", 80), "client": ("127.0.0.1", 1),
}  # fmt: skip


def app_with(telemetry: dict[str, bool] | None) -> FastAPI:
    """One trivial route, as cheap as a probe: what is left is the per-request machinery."""
    app = FastAPI(telemetry=telemetry)  # type: ignore[arg-type]

    @app.get("/ping", response_class=PlainTextResponse)
    async def ping() -> str:
        return "ok"

    return app


async def best_us(apps: dict[str, FastAPI], repeat: int, rounds: int = 15) -> dict[str, float]:
    """Per app, the best of ``rounds`` rounds of ``repeat`` requests, µs per request; the apps' rounds
    alternate, so a machine that slows down meanwhile slows both alike."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    best = {name: float("inf") for name in apps}
    for _ in range(rounds):
        for name, app in apps.items():
            started = time.perf_counter()
            for _ in range(repeat):
                await app(dict(SCOPE), receive, send)
            best[name] = min(best[name], (time.perf_counter() - started) / repeat * 1e6)
    return {name: round(us, 1) for name, us in best.items()}


async def measure(repeat: int) -> dict[str, float]:
    apps = {"fastapi_default_us": app_with(None), "telemetry_off_us": app_with({"tracing": False, "metrics": False,
                                                                                "logs": False})}  # fmt: skip
    await best_us(apps, 100, rounds=1)  # warm both (the middleware stack is built on the first request)
    figures = await best_us(apps, repeat)
    saved = figures["fastapi_default_us"] - figures["telemetry_off_us"]
    return {
        **figures,
        "saved_us": round(saved, 1),
        "ratio": round(figures["fastapi_default_us"] / figures["telemetry_off_us"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(measure(args.repeat)), indent=1))


if __name__ == "__main__":
    main()
