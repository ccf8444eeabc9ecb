"""A store that cannot be reached answers 503 with Retry-After (never 500), and OpenAPI says so."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from query_api.deps import get_read_store
from tuneton.availability import StoreUnavailable
from tuneton.ports import Checkpoint, ProjectedBatch, ReadStore, RowOp
from tuneton.server import create_app
from tuneton.settings import Settings


class UnreachableReadStore(ReadStore):
    """Every call fails the way the PostgreSQL adapter fails while its server is down."""

    async def start(self) -> None:
        raise StoreUnavailable("read store", "connection refused")

    async def close(self) -> None:
        """Nothing to release."""

    async def apply(self, batch: Sequence[tuple[Sequence[RowOp], Checkpoint]]) -> int:
        raise StoreUnavailable("read store", "connection refused")

    async def positions(self, projection: str) -> dict[tuple[str, int], int]:
        raise StoreUnavailable("read store", "connection refused")

    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        raise StoreUnavailable("read store", "connection refused")

    async def reset(self, projection: str, tables: Sequence[str]) -> None:
        raise StoreUnavailable("read store", "connection refused")

    async def rebuild(self, projection: str, tables: Sequence[str], batches: AsyncIterator[ProjectedBatch]) -> int:
        raise StoreUnavailable("read store", "connection refused")

    async def fetch_all(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        raise StoreUnavailable("read store", "connection refused")


def _client(tmp_path: Path) -> TestClient:
    app = create_app(Settings(data_dir=tmp_path))  # no lifespan: nothing starts, the override is the store
    app.dependency_overrides[get_read_store] = UnreachableReadStore
    return TestClient(app, raise_server_exceptions=False)


def test_a_read_while_the_store_is_away_is_503_with_retry_after(tmp_path: Path) -> None:
    response = _client(tmp_path).get("/v1/playlists/p1", headers={"X-Tuneton-User": "alice"})
    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["store"] == "read store"


def test_openapi_documents_the_503_and_its_retry_after(tmp_path: Path) -> None:
    paths = _client(tmp_path).get("/openapi.json").json()["paths"]
    for path, method in (("/v1/playlists/{playlist_id}", "get"), ("/v1/tracks", "post")):
        documented = paths[path][method]["responses"]["503"]
        assert "Retry-After" in documented["headers"], path
