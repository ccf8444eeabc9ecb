"""Analyst tools on both runtimes: ``events export`` files open in DuckDB as they are, a rerun exports only
what is new, and ``events tail`` shows timestamps and headers and filters by key and time."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import httpx
import pytest

from tests.e2e.callers import track_of
from tests.e2e.conftest import Product
from tests.e2e.servers import run_cli

TOPIC = "tuneton.playlist.events"


def _cli(product: Product, *args: str) -> list[str]:
    return run_cli(product.env, *args).splitlines()


def _tracks(product: Product, user: str, count: int) -> list[str]:
    """Real tracks of ``user``'s: playlists take only tracks their caller can see."""
    return [track_of(product.base, product.auth(user)) for _ in range(count)]


def _playlist_with_items(product: Product, user: str, tracks: list[str]) -> tuple[str, str]:
    with httpx.Client(base_url=product.base, headers=product.auth(user), timeout=60) as api:
        created = api.post("/v1/playlists", json={"name": "Export"})
        assert created.status_code == 201, created.text
        playlist_id, token = created.json()["aggregate_id"], created.json()["consistency_token"]
        for track in tracks:
            token = api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track}).json()["consistency_token"]
        return playlist_id, token


def _rows(out: Path, fmt: str, playlist_id: str) -> list[tuple[object, ...]]:
    reader = "read_parquet" if fmt == "parquet" else "read_json_auto"
    files = f"{out}/{TOPIC}/*.{fmt}"
    columns = "event_type, aggregate_version, actor_id, partition, \"offset\", payload ->> '$.track_id'"
    sql = f"SELECT {columns} FROM {reader}('{files}') WHERE aggregate_id = ? ORDER BY aggregate_version"
    return duckdb.execute(sql, [playlist_id]).fetchall()


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_export_writes_decoded_events_and_resumes_by_offset(product: Product, tmp_path: Path, fmt: str) -> None:
    user = f"x-{uuid.uuid4().hex[:8]}"
    a, b, c = _tracks(product, user, 3)
    playlist_id, _ = _playlist_with_items(product, user, [a, b])
    out = tmp_path / "export"

    first = json.loads(_cli(product, "events", "export", TOPIC, "--format", fmt, "--out", str(out))[-1])
    rows = _rows(out, fmt, playlist_id)
    assert [r[:3] for r in rows] == [("PlaylistCreated", 1, user), ("TrackAdded", 2, user), ("TrackAdded", 3, user)]
    assert [r[5] for r in rows] == [None, a, b]
    assert first["rows"] >= 3

    again = json.loads(_cli(product, "events", "export", TOPIC, "--format", fmt, "--out", str(out))[-1])
    assert again["rows"] == 0, "a rerun with nothing new writes nothing"
    with httpx.Client(base_url=product.base, headers=product.auth(user), timeout=60) as api:
        assert api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": c}).status_code == 201
    _cli(product, "events", "export", TOPIC, "--format", fmt, "--out", str(out))
    rows = _rows(out, fmt, playlist_id)
    assert [r[1] for r in rows] == [1, 2, 3, 4], "the new event once, nothing exported twice"
    assert len({(r[3], r[4]) for r in rows}) == 4


def test_export_window_holds_back_what_is_after_until(product: Product, tmp_path: Path) -> None:
    out = tmp_path / "export"
    past = (datetime.now(UTC) - timedelta(days=3650)).isoformat()
    held = json.loads(_cli(product, "events", "export", TOPIC, "--out", str(out), "--until", past)[-1])
    assert held["rows"] == 0
    later = json.loads(_cli(product, "events", "export", TOPIC, "--out", str(out), "--format", "jsonl")[-1])
    assert later["rows"] > 0, "records held back by --until are exported by the next run"


def test_tail_shows_time_and_headers_and_filters_by_key_and_time(product: Product) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    user = f"y-{uuid.uuid4().hex[:8]}"
    playlist_id, _ = _playlist_with_items(product, user, _tracks(product, user, 1))
    args = ["events", "tail", TOPIC, "--from-beginning", "--no-follow", "--key", playlist_id]
    lines = [json.loads(line) for line in _cli(product, *args)]
    assert [line["value"]["aggregate_version"] for line in lines] == [1, 2]
    assert {line["key"] for line in lines} == {playlist_id}
    assert all(datetime.fromisoformat(line["timestamp"]) >= before for line in lines)
    assert all(isinstance(line["headers"], dict) for line in lines)
    assert _cli(product, *args, "--until", before.isoformat()) == []
    assert len(_cli(product, *args, "--since", before.isoformat())) == 2
