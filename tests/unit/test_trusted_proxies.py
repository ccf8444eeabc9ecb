"""The app believes X-Forwarded-For only from the configured trusted proxies (the gateway)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tuneton.server import uvicorn_config
from tuneton.settings import Settings


async def client_seen(settings: Settings, peer: str, forwarded: str) -> str:
    """The client address the app sees for a request from ``peer`` claiming ``forwarded``."""
    config = uvicorn_config(settings)
    config.load()
    scope: dict[str, Any] = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": "/healthz", "raw_path": b"/healthz", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"api"), (b"x-forwarded-for", forwarded.encode())],
        "client": (peer, 50000), "server": ("127.0.0.1", 8080),
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await config.loaded_app(scope, receive, send)
    assert sent[0]["status"] == 200
    return str(scope["client"][0])


@pytest.mark.parametrize(
    ("trusted", "peer", "seen"),
    [
        (["127.0.0.1"], "127.0.0.1", "203.0.113.9"),  # the gateway on loopback: its header is believed
        (["127.0.0.1"], "198.51.100.7", "198.51.100.7"),  # anybody else: the header is ignored
        (["172.16.0.0/12"], "172.18.0.5", "203.0.113.9"),  # a container network
        (["172.16.0.0/12"], "127.0.0.1", "127.0.0.1"),
    ],
)
async def test_forwarded_for_is_believed_only_from_trusted_proxies(
    tmp_path: Path, trusted: list[str], peer: str, seen: str
) -> None:
    settings = Settings(data_dir=tmp_path, trusted_proxies=trusted)
    assert await client_seen(settings, peer, "203.0.113.9") == seen
