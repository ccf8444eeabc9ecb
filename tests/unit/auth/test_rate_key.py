"""The gateway's identity answer: a key per verified user, none for absent or invalid credentials."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tuneton.auth.profile import TelegramProfile
from tuneton.auth.rate_key import IDENTITY_PATH, RATE_KEY_HEADER, rate_key
from tuneton.auth.tokens import TokenService
from tuneton.server import create_app
from tuneton.settings import Settings

KEYS = {"k1": secrets.token_urlsafe(48)}


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, auth_signing_keys=KEYS)  # embedded: dev mode on
    return TestClient(create_app(settings))  # no lifespan: the route needs only the authenticator


def bearer(user: str, issued_at: float) -> dict[str, str]:
    tokens = TokenService(KEYS, active_kid="k1", access_ttl_s=3600, refresh_ttl_s=3600)
    pair = tokens.issue(TelegramProfile(user_id=user, first_name=user), now=issued_at)
    return {"Authorization": f"Bearer {pair.access_token}"}


def key_of(client: TestClient, headers: dict[str, str]) -> str | None:
    answer = client.get(IDENTITY_PATH, headers=headers)
    assert answer.status_code == 204  # never 401: the gateway must not refuse on the API's behalf
    return answer.headers.get(RATE_KEY_HEADER)


def test_two_tokens_of_one_user_have_one_key_and_two_users_two(client: TestClient) -> None:
    now = time.time()
    first, second, other = bearer("alice", now), bearer("alice", now - 5), bearer("bob", now)
    assert first != second
    assert key_of(client, first) == key_of(client, second) == rate_key("alice")
    assert key_of(client, other) == rate_key("bob") != rate_key("alice")


def test_the_dev_header_is_the_same_user_as_a_token(client: TestClient) -> None:
    assert key_of(client, {"X-Tuneton-User": "alice"}) == rate_key("alice")


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer forged.token.here"}, {"Authorization": "tma user=1&hash=" + "a" * 64},
     {"Authorization": "Basic abc"}],
    ids=["none", "forged token", "forged initData", "other scheme"],
)  # fmt: skip
def test_absent_or_invalid_credentials_get_no_key(client: TestClient, headers: dict[str, str]) -> None:
    assert key_of(client, headers) is None


def test_the_route_is_not_in_the_api_document(client: TestClient) -> None:
    assert IDENTITY_PATH not in client.get("/openapi.json").json()["paths"]
