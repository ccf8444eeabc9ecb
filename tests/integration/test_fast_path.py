"""Commands served by the fast path answer exactly as FastAPI answers them (commands/fast_path.py).

The embedded runtime runs in this process (SQLite, the decider and the projectors on the test's event
loop). A query string is the one thing that sends a command request to FastAPI without changing its
meaning (FastAPI ignores parameters a route does not declare), so each pair below sends the same command
once each way with one Idempotency-Key: the second answer is the decider's remembered outcome, and it must
come back byte for byte as the first did, whichever path served which.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from commands.deps import command_call
from commands.fast_path import FastCommands
from tests.e2e.servers import auth_env, auth_headers
from tuneton.server import create_app
from tuneton.settings import Settings

VIA_FASTAPI = "?via=fastapi"


@pytest.fixture
def product(tmp_path: Path) -> Iterator[tuple[TestClient, FastCommands, dict[str, str]]]:
    env = auth_env(tmp_path / "auth")
    values = {k.removeprefix("TUNETON_").lower(): v for k, v in env.items()}
    settings = Settings(data_dir=tmp_path / "data", embedded_processors="in-process", **values)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, _fast_commands(app), env


def _fast_commands(app: object) -> FastCommands:
    found = _find_fast_commands(app)
    assert found is not None, "the fast path is in the middleware stack"
    return found


def _find_fast_commands(app: object) -> FastCommands | None:
    layer = getattr(app, "middleware_stack", None)
    while layer is not None and not isinstance(layer, FastCommands):
        layer = getattr(layer, "app", None) or getattr(layer, "_app", None)
    return layer


def _same(first: Response, second: Response) -> None:
    assert (second.status_code, second.content) == (first.status_code, first.content)
    assert second.headers["content-type"] == first.headers["content-type"]


def _key() -> dict[str, str]:
    return {"Idempotency-Key": f"fast-path-{uuid.uuid4()}"}


Product = tuple[TestClient, FastCommands, dict[str, str]]


def test_an_accepted_command_answers_alike_on_both_paths(product: Product) -> None:
    client, fast, env = product
    alice = {**auth_headers(env, "alice"), **_key()}
    served = fast.served
    first = client.post("/v1/playlists", json={"name": "Road trip"}, headers=alice)
    assert first.status_code == 201, first.text
    assert fast.served == served + 1, "the fast path answered"
    again = client.post(f"/v1/playlists{VIA_FASTAPI}", json={"name": "Road trip"}, headers=alice)
    assert fast.served == served + 1, "FastAPI answered the retry"
    _same(first, again)
    playlist = first.json()["aggregate_id"]
    key = _key()
    renamed = client.put(f"/v1/playlists/{playlist}/name{VIA_FASTAPI}", json={"name": "Road"}, headers={**alice, **key})
    assert renamed.status_code == 200, renamed.text
    _same(renamed, client.put(f"/v1/playlists/{playlist}/name", json={"name": "Road"}, headers={**alice, **key}))
    assert fast.served == served + 2


def test_refusals_answer_alike_on_both_paths(product: Product) -> None:
    client, fast, env = product
    bob = auth_headers(env, "bob")
    served = fast.served
    for method, path, body in (
        ("PUT", f"/v1/playlists/{uuid.uuid4()}/name", {"name": "x"}),  # the decider's 404
        ("POST", f"/v1/playlists/{uuid.uuid4()}/items", {"track_id": "no-such-track"}),  # the route's own 404
    ):
        key = _key()
        first = client.request(method, path, json=body, headers={**bob, **key})
        assert first.status_code == 404, first.text
        _same(first, client.request(method, path + VIA_FASTAPI, json=body, headers={**bob, **key}))
    assert fast.served == served + 2


@pytest.mark.parametrize(
    ("case", "headers", "body", "status"),
    [
        ("a body that does not validate", {}, b'{"name": ""}', 422),
        ("not JSON", {}, b"{", 422),
        ("U+0000 in the body", {}, b'{"name": "a\\u0000b"}', 422),
        ("a malformed Idempotency-Key", {"Idempotency-Key": "short"}, b'{"name": "x"}', 422),
        ("an expired or forged token", {"Authorization": "Bearer forged"}, b'{"name": "x"}', 401),
        ("no credentials", {"Authorization": ""}, b'{"name": "x"}', 401),
        ("a body over the limit", {}, b'{"name": "' + b"x" * 300_000 + b'"}', 413),
    ],
)
def test_what_the_fast_path_cannot_take_gets_fastapi_s_answer(
    product: Product, case: str, headers: dict[str, str], body: bytes, status: int
) -> None:
    client, fast, env = product
    sent = {**auth_headers(env, "carol"), "Content-Type": "application/json", **headers}
    sent = {name: value for name, value in sent.items() if value}
    served = fast.served
    answer = client.post("/v1/playlists", content=body, headers=sent)
    assert answer.status_code == status, (case, answer.text)
    assert fast.served == served, f"{case}: FastAPI answered"
    _same(answer, client.post(f"/v1/playlists{VIA_FASTAPI}", content=body, headers=sent))


def test_the_setting_turns_the_fast_path_off(tmp_path: Path) -> None:
    values = {k.removeprefix("TUNETON_").lower(): v for k, v in auth_env(tmp_path / "auth").items()}
    settings = Settings(data_dir=tmp_path / "data", embedded_processors="in-process", command_fast_path=False, **values)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200  # the stack is built on the first request
        assert _find_fast_commands(app) is None


def test_replaced_dependencies_are_fastapi_s_to_apply(product: Product) -> None:
    client, fast, env = product
    app = client.app
    assert isinstance(app, FastAPI)
    app.dependency_overrides[command_call] = command_call  # any override: the fast path cannot apply it
    try:
        served = fast.served
        answer = client.post("/v1/playlists", json={"name": "x"}, headers=auth_headers(env, "dave"))
        assert answer.status_code == 201, answer.text
        assert fast.served == served
    finally:
        app.dependency_overrides.clear()
