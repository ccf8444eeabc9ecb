"""The command bus's one deadline and the HTTP answer to broker trouble: 503 + Retry-After, never 500.

Seams only: the real ``CommandBus`` over an embedded log whose append stalls or fails (what a
broker that is away does to the Kafka adapter), and the real routers and error handlers in FastAPI
with ``dependency_overrides`` for the command call (the bus, the caller).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from commands.bus import CommandBus, CommandNotSubmitted, OutcomeTimeout
from commands.deps import Call, command_call
from commands.dispatch import envelope_for
from commands.main import EXCEPTION_HANDLERS
from commands.main import ROUTERS as COMMAND_ROUTERS
from tests.fakes import FakeCommandBus, InMemorySchemaRegistry
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.domain.errors import TuneTonError
from tuneton.domain.playlist.commands import CreatePlaylist
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import Appended, OutgoingRecord
from tuneton.settings import Settings

TIMEOUT_S = 0.3


class BrokerAway(TuneTonError):
    """What the Kafka adapter raises when the cluster misbehaves (its errors root in TuneTonError)."""


class StalledLog(EmbeddedEventLog):
    """An append that waits for a broker that does not come back (metadata, retries)."""

    async def append(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class RefusingLog(EmbeddedEventLog):
    """An append the client gives up on (the producer's own error)."""

    async def append(self, records: Sequence[OutgoingRecord]) -> list[Appended]:
        raise BrokerAway("append failed: OutOfOrderSequenceNumber()")


async def _bus(log: EmbeddedEventLog) -> CommandBus:
    await log.start()
    await log.ensure_topics({topics.COMMANDS: 1, topics.OUTCOMES: 1})
    registry = InMemorySchemaRegistry()
    codec = AvroCodec(registry)
    await codec.start()
    bus = CommandBus(log, codec, timeout_s=TIMEOUT_S)
    await bus.start()
    return bus


def _envelope() -> object:
    return envelope_for(
        CreatePlaylist(playlist_id="p-1", name="x"), aggregate_id="p-1", actor_id="alice", command_id="c-1"
    )


@pytest.fixture
async def buses(tmp_path: Path) -> AsyncIterator[dict[str, CommandBus]]:
    logs = {
        "stalled": StalledLog(tmp_path / "stalled.db"),
        "refusing": RefusingLog(tmp_path / "refusing.db"),
        "undecided": EmbeddedEventLog(tmp_path / "undecided.db"),  # appended, but no decider runs
    }
    made = {name: await _bus(log) for name, log in logs.items()}
    yield made
    for name, bus in made.items():
        await bus.close()
        await logs[name].close()


@pytest.mark.parametrize(
    ("log", "error"),
    [("stalled", CommandNotSubmitted), ("refusing", CommandNotSubmitted), ("undecided", OutcomeTimeout)],
)
async def test_the_deadline_covers_the_append_and_the_verdict(
    buses: dict[str, CommandBus], log: str, error: type[Exception]
) -> None:
    async with asyncio.timeout(TIMEOUT_S * 10):  # a hang fails here, not after the test's global timeout
        with pytest.raises(error):
            await buses[log].submit(_envelope())  # type: ignore[arg-type]


def _app(bus: CommandBus) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings()
    for error, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
    for router in COMMAND_ROUTERS:
        app.include_router(router)
    identity = Call(bus=bus, user="alice", command_id="command-1")  # identity is not what this test is about
    app.dependency_overrides[command_call] = lambda: identity
    return app


@pytest.mark.parametrize(
    ("failure", "reason"),
    [(CommandNotSubmitted("command-1", "append failed"), "unavailable"), (OutcomeTimeout("command-1"), "timeout")],
)
async def test_broker_trouble_is_a_503_with_retry_after(failure: Exception, reason: str) -> None:
    app = _app(FakeCommandBus(fail=failure))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        response = await client.post(
            "/v1/playlists",
            json={"name": "Road trip"},
            headers={"Idempotency-Key": "command-1"},
        )
    assert response.status_code == httpx.codes.SERVICE_UNAVAILABLE
    assert int(response.headers["retry-after"]) >= 1
    assert response.json() == {"reason": reason, "message": response.json()["message"], "command_id": "command-1"}


def test_every_command_route_documents_the_503() -> None:
    schema = _app(FakeCommandBus()).openapi()
    operations = [
        (path, method, op)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if method in {"post", "put", "patch", "delete"}
    ]
    assert operations
    for path, method, op in operations:
        documented = op["responses"].get("503")
        assert documented is not None, f"{method.upper()} {path} does not document 503"
        assert "Retry-After" in documented.get("headers", {}), f"{method.upper()} {path}: 503 without Retry-After"
