"""The Mini App's static serving: built files, client-route fallback, API paths left to the API."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tuneton.settings import Settings
from tuneton.webapp import mount_miniapp, resolve

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=app></div>")
    (root / "assets" / "index-abc.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside")
    return root


def client(root: Path) -> TestClient:
    app = FastAPI()

    @app.post("/v1/search")
    async def only_post() -> dict[str, str]:
        return {}

    settings = Settings(miniapp_dir=root, telegram_bot_username="tunetonbot", telegram_miniapp_name="app")
    mount_miniapp(app, settings)
    return TestClient(app)


@pytest.mark.parametrize("path", ["/", "/playlist/0b7c", "/now", "/search?add=x"])
def test_client_routes_answer_index(dist: Path, path: str) -> None:
    response = client(dist).get(path)
    assert response.status_code == 200
    assert "id=app" in response.text
    assert response.headers["cache-control"] == "no-cache"


def test_assets_are_immutable(dist: Path) -> None:
    response = client(dist).get("/assets/index-abc.js")
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]


@pytest.mark.parametrize(
    ("method", "path", "code"),
    [("GET", "/assets/missing.js", 404), ("GET", "/v1/nothing", 404), ("POST", "/v1/auth/session", 404),
     ("GET", "/v1/search", 405), ("GET", "/v1", 404)],
)  # fmt: skip
def test_missing_files_and_api_paths_are_not_the_app(dist: Path, method: str, path: str, code: int) -> None:
    response = client(dist).request(method, path)
    assert response.status_code == code
    assert "id=app" not in response.text


def test_config_names_the_bot_and_app(dist: Path) -> None:
    assert client(dist).get("/config.json").json() == {
        "telegram_bot_username": "tunetonbot",
        "telegram_miniapp_name": "app",
    }


def test_not_built_says_how_to_build(tmp_path: Path) -> None:
    response = client(tmp_path / "nothing").get("/")
    assert response.status_code == 503
    assert "make run" in response.text


def test_resolve_stays_inside_root(dist: Path) -> None:
    assert resolve(dist, "../secret.txt") is None
    assert resolve(dist, "assets") is None
    assert resolve(dist, "index.html") == (dist / "index.html").resolve()
