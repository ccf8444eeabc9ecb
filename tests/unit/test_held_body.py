"""An audio body holds its stream slot exactly as long as it is being sent (query_api/blobs.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from starlette.requests import ClientDisconnect

from query_api.blobs import HeldStreamingResponse
from query_api.stream_slots import StreamGate
from tests.fakes import ManualClock

TRACK = "/v1/tracks/t1/"
SCOPE = {"type": "http", "asgi": {"spec_version": "2.4"}}


async def chunks() -> AsyncIterator[bytes]:
    for _ in range(4):
        yield b"x" * 1024


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


@pytest.fixture
def gate() -> StreamGate:
    return StreamGate(limit=1, linger_s=0, clock=ManualClock())


async def test_a_body_holds_its_slot_while_sent_and_frees_it_at_the_end(gate: StreamGate) -> None:
    response = HeldStreamingResponse(chunks(), slot=gate.open("alice", TRACK))
    held_while_sending = []

    async def send(message: dict[str, Any]) -> None:
        held_while_sending.append(gate.active("alice"))

    await response(SCOPE, receive, send)
    assert held_while_sending == [1] * 6  # start, four chunks, the end
    assert gate.active("alice") == 0


async def test_a_body_its_client_leaves_frees_its_slot(gate: StreamGate) -> None:
    response = HeldStreamingResponse(chunks(), slot=gate.open("alice", TRACK))
    sent = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if len(sent) == 3:
            raise OSError("connection reset by peer")

    with pytest.raises(ClientDisconnect):
        await response(SCOPE, receive, send)
    assert gate.active("alice") == 0
