"""The benchmarks' lean HTTP client against a loopback server that answers with canned bytes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from benchmarks.lean_http import LeanClient

ANSWERS = [
    b'HTTP/1.1 201 Created\r\ncontent-type: application/json\r\ncontent-length: 13\r\n\r\n{"token":"t"}',
    # A chunked answer, split by the server across two writes: read until the message is complete.
    b"HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n7\r\nmiss",
    b"ing\r\n0\r\n\r\n",
]


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, list[bytes]]]:
    """A server answering the first request with ANSWERS[0], the second with the rest; records requests."""
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for answer in (ANSWERS[:1], ANSWERS[1:]):
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.lower().split(b"\r\n")
            length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length")), 0)
            requests.append(head + await reader.readexactly(length))
            for part in answer:
                writer.write(part)
                await writer.drain()
                await asyncio.sleep(0.01)
        writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield f"http://127.0.0.1:{port}", requests


async def test_two_requests_on_one_connection(server: tuple[str, list[bytes]]) -> None:
    base, requests = server
    async with LeanClient(base) as client:
        created = await client.post("/v1/things", json_body={"name": "ü"}, headers={"Authorization": "Bearer x"})
        missing = await client.get("/v1/things/1", params={"consistency": "a b"})
    assert (created.status, created.json()) == (201, {"token": "t"})
    created.raise_for_status()
    assert (missing.status, missing.body) == (404, b"missing")
    with pytest.raises(RuntimeError, match="HTTP 404"):
        missing.raise_for_status()
    post, get = requests
    assert post.startswith(b"POST /v1/things HTTP/1.1\r\n")
    assert b"Authorization: Bearer x\r\n" in post
    assert post.endswith(b'\r\n\r\n{"name": "\\u00fc"}')
    assert get.startswith(b"GET /v1/things/1?consistency=a+b HTTP/1.1\r\n")


async def test_a_connection_closed_mid_answer_is_an_error() -> None:
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort")
        await writer.drain()
        writer.close()

    listening = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    async with listening, LeanClient(f"http://127.0.0.1:{listening.sockets[0].getsockname()[1]}") as client:
        with pytest.raises(ConnectionError):
            await client.get("/")
