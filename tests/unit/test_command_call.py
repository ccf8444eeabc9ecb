"""The command routes' one dependency (``CommandCall``) answers like the chain it replaced.

``CurrentUser`` + ``CommandId`` (optional_user → get_authenticator, command_id) still serve the upload
route and the query API; ``command_call`` reads the same headers in one node. Both are mounted on a bare
FastAPI app with the real authenticator (dev mode) and compared request by request: the 401s, the 422
for a bad Idempotency-Key, the key scoped by the caller, ``request.state.command_id``, and the OpenAPI
parameters each documents.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from commands.deps import CommandCall, CommandId, CurrentUser, scoped_command_id
from tests.fakes import FakeCommandBus
from tuneton.auth.errors import AuthError
from tuneton.auth.http import auth_error_response
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.service import build_authenticator
from tuneton.settings import Settings

KEY = "retry-key-0001"


def _app(tmp_path: Path) -> FastAPI:
    app = FastAPI()
    app.state.authenticator = build_authenticator(Settings(data_dir=tmp_path, dev_mode=True))
    app.state.command_bus = FakeCommandBus()
    app.add_exception_handler(AuthError, auth_error_response)

    @app.post("/one")
    async def one(request: Request, call: CommandCall) -> dict[str, Any]:
        bus_is_the_apps = call.bus is request.app.state.command_bus
        return {
            "user": call.user,
            "command_id": call.command_id,
            "state": request.state.command_id,
            "bus": bus_is_the_apps,
        }

    @app.post("/chain")
    async def chain(request: Request, user: CurrentUser, command_id: CommandId) -> dict[str, Any]:
        return {"user": user, "command_id": command_id, "state": request.state.command_id, "bus": True}

    return app


def _bearer(app: FastAPI, user_id: str) -> str:
    return f"Bearer {app.state.authenticator.issue(TelegramProfile(user_id=user_id, first_name='Bo')).access_token}"


async def _both(app: FastAPI, headers: dict[str, str]) -> list[tuple[int, dict[str, Any], str | None]]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
        answers = [await client.post(path, headers=headers) for path in ("/one", "/chain")]
    return [(answer.status_code, answer.json(), answer.headers.get("www-authenticate")) for answer in answers]


@pytest.mark.parametrize(
    ("headers", "status", "reason"),
    [
        ({}, 401, "missing_credentials"),
        ({"Idempotency-Key": KEY}, 401, "missing_credentials"),  # identity is checked before the key
        ({"Authorization": "Bearer"}, 401, "malformed_authorization"),
        ({"Authorization": "Basic dXNlcjpwYXNz", "X-Tuneton-User": "alice"}, 401, "unsupported_scheme"),
        ({"X-Tuneton-User": ""}, 401, "malformed_dev_user"),
        ({"X-Tuneton-User": "alice", "Idempotency-Key": "short"}, 422, None),
        ({"X-Tuneton-User": "alice", "Idempotency-Key": "k" * 129}, 422, None),
    ],
)
async def test_refusals_are_the_same(tmp_path: Path, headers: dict[str, str], status: int, reason: str | None) -> None:
    one, chain = await _both(_app(tmp_path), headers)
    assert one == chain
    assert one[0] == status
    assert one[1].get("reason") == reason


@pytest.mark.parametrize("credentials", ["dev", "bearer"])
async def test_the_key_is_scoped_by_the_caller(tmp_path: Path, credentials: str) -> None:
    app = _app(tmp_path)
    identity = {"X-Tuneton-User": "alice"} if credentials == "dev" else {"Authorization": _bearer(app, "alice")}
    one, chain = await _both(app, {**identity, "Idempotency-Key": KEY})
    expected = {"user": "alice", "command_id": scoped_command_id("alice", KEY), "bus": True}
    assert one == chain == (200, {**expected, "state": expected["command_id"]}, None)


async def test_without_a_key_each_command_gets_a_fresh_id(tmp_path: Path) -> None:
    one, chain = await _both(_app(tmp_path), {"X-Tuneton-User": "alice"})
    assert one[1]["command_id"] != chain[1]["command_id"]
    for _, body, _ in (one, chain):
        assert uuid.UUID(body["command_id"]).version == 4
        assert body["state"] == body["command_id"]


def test_both_document_the_same_headers(tmp_path: Path) -> None:
    paths = _app(tmp_path).openapi()["paths"]
    one, chain = (sorted(paths[path]["post"]["parameters"], key=lambda p: p["name"]) for path in ("/one", "/chain"))
    assert [parameter["name"] for parameter in one] == ["authorization", "idempotency-key", "x-tuneton-user"]
    assert one == chain
