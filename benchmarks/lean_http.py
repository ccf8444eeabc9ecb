"""A lean HTTP/1.1 keep-alive client for the benchmarks' timed request loops (not a general client).

httpx costs about 1 ms of CPU per request here (measured: 3.7 ms per command→visible sample of a POST
and a GET), so eight httpx clients took about a third of a core of this 2-core machine from the
product they were timing. This client writes the request bytes itself and parses the answer with
httptools (the C parser uvicorn uses): one connection per client, requests in turn on it. Written by
hand because no maintained asyncio client is that lean: aiohttp and httpx both pay for features
(pools, redirects, cookies, timeouts per phase) a loop of sequential requests on loopback never needs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import httptools

ANSWER_TIMEOUT_S = 60.0  # as the httpx client it replaces: a stuck server fails the run, never hangs it

class LeanResponse:
    """Status and body of one answer."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status = status
        self.body = body

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        """Raise for an answer that is not 2xx, naming it (a benchmark must not time failures)."""
        if not 200 <= self.status < 300:
            raise RuntimeError(f"HTTP {self.status}: {self.body[:200]!r}")


class _Answer:
    """httptools callbacks: collect the body, note the end of the message."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.complete = False

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True


class LeanClient:
    """One keep-alive connection to ``base`` (``http://host:port``); one request at a time."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        if parts.scheme != "http" or parts.hostname is None or parts.port is None:
            raise ValueError(f"need http://host:port, got {base!r}")
        self._host, self._port = parts.hostname, parts.port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> Self:
        self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._writer is not None:
            self._writer.close()
            await self._writer.wait_closed()

    async def get(
        self, path: str, *, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> LeanResponse:
        """GET ``path`` with ``params`` as its query string."""
        return await self.request("GET", path + (f"?{urlencode(params)}" if params else ""), headers or {}, None)

    async def post(self, path: str, *, json_body: Any, headers: Mapping[str, str] | None = None) -> LeanResponse:
        """POST ``json_body`` as JSON."""
        return await self.request("POST", path, headers or {}, json.dumps(json_body).encode())

    async def request(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes | None
    ) -> LeanResponse:
        """Send one request, read its whole answer."""
        if self._reader is None or self._writer is None:
            raise RuntimeError("use the client in `async with`")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {self._host}:{self._port}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b""))
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        async with asyncio.timeout(ANSWER_TIMEOUT_S):
            while not answer.complete:
                data = await self._reader.read(65536)
                if not data:
                    raise ConnectionError("the server closed the connection mid-answer")
                parser.feed_data(data)
        return LeanResponse(parser.get_status_code(), b"".join(answer.chunks))
