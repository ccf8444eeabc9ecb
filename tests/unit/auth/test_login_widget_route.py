"""``POST /v1/auth/login-widget`` before any command: duplicated, missing and malformed fields are 401s."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from commands.routers import auth
from tests.unit.auth.test_widget import FIELDS, TOKEN
from tuneton.auth.errors import AuthError
from tuneton.auth.http import auth_error_response
from tuneton.auth.service import build_authenticator
from tuneton.settings import Settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = FastAPI()
    app.include_router(auth.router)
    app.add_exception_handler(AuthError, auth_error_response)
    app.state.authenticator = build_authenticator(Settings(data_dir=tmp_path, bot_token=TOKEN))  # type: ignore[arg-type]
    app.state.command_bus = None  # never reached: every case here is refused before the sign-in command
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('{"id": 42, "id": 43, "first_name": "John", "auth_date": 1565810688, "hash": "' + FIELDS["hash"] + '"}',
         "duplicate_field"),
        (json.dumps({k: v for k, v in FIELDS.items() if k != "hash"}), "missing_field"),
        (json.dumps({**FIELDS, "first_name": "Jo"}), "bad_hash"),
        (json.dumps({**FIELDS, "photo_url": {"nested": True}}), "malformed_login"),
        (json.dumps({**FIELDS, "auth_date": True}), "malformed_login"),
    ],
)  # fmt: skip
def test_bad_widget_payloads_are_refused_with_a_reason(client: TestClient, body: str, reason: str) -> None:
    response = client.post("/v1/auth/login-widget", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == reason
    assert "Bearer" in response.headers["www-authenticate"]


def test_the_session_endpoint_wants_tma_init_data(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer x"}, {"Authorization": "tma "}):
        response = client.post("/v1/auth/session", headers=headers)
        assert (response.status_code, response.json()["reason"]) == (401, "malformed_authorization")
    bad = client.post("/v1/auth/session", headers={"Authorization": "tma auth_date=1&auth_date=2&hash=" + "0" * 64})
    assert (bad.status_code, bad.json()["reason"]) == (401, "duplicate_field")
