"""Serving a request never asks OpenTelemetry whether it is configured (tuneton/server.py).

FastAPI's native telemetry, on by default, asks OpenTelemetry's three global providers on every request,
and each ask reads os.environ: 5-13 us per request on the benchmark VM (benchmarks/native_telemetry.py).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import _logs, metrics, trace

from tuneton.server import create_app
from tuneton.settings import Settings


def test_a_request_does_not_consult_the_opentelemetry_providers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def asked() -> None:
        raise AssertionError("an OpenTelemetry provider was asked for")

    for module, name in (
        (trace, "get_tracer_provider"),
        (metrics, "get_meter_provider"),
        (_logs, "get_logger_provider"),
    ):
        monkeypatch.setattr(module, name, asked)
    app = create_app(Settings(data_dir=tmp_path))
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/v1/no-such-route", "raw_path": b"/v1/no-such-route",
             "query_string": b"", "headers": [], "http_version": "1.1", "scheme": "http", "root_path": "",
             "server": ("test", 80), "client": ("127.0.0.1", 1)}  # fmt: skip
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 404
