"""The operator and analyst CLI against the running product: rebuild a read model, tail a topic."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.callers import client, uploaded_track
from tests.e2e.conftest import EMBEDDED_BESIDE, Product
from tests.e2e.servers import ROOT, run_cli, wait_processing, wait_ready


def _cli(product: Product, *args: str) -> str:
    return run_cli(product.env, *args)


def _playlist(product: Product, user: str, playlist_id: str) -> dict[str, object]:
    response = httpx.get(f"{product.base}/v1/playlists/{playlist_id}", headers=product.auth(user), timeout=60)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)
def test_rebuild_replays_the_read_model_to_the_same_state(product: Product, tmp_path: Path) -> None:
    user = f"b-{uuid.uuid4().hex[:8]}"
    with client(product, user) as api:
        playlist_id = api.post("/v1/playlists", json={"name": "Rebuild me"}).json()["aggregate_id"]
        tracks = [uploaded_track(api, tmp_path) for _ in range(2)]
        for track in (*tracks, tracks[0]):  # a track may be listed twice
            last = api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track}).json()
        api.get(f"/v1/playlists/{playlist_id}", params={"consistency": last["consistency_token"]})
    before = _playlist(product, user, playlist_id)

    product.processing.stop()
    report = json.loads(_cli(product, "projections", "rebuild", "playlists").strip().splitlines()[-1])
    product.processing.start()
    if product.processing is product.server:
        wait_ready(product.base, product.server)
    # The restarted Faust worker joins its groups slowly: the tests after this one share the product
    # and must find its processors answering (a command 30 s later still timed out on a slow VM).
    wait_processing(product.base, product.auth(f"probe-{user}"))

    assert report["projection"] == "playlists"
    assert report["records"] >= 4
    assert _playlist(product, user, playlist_id) == before


def test_unknown_projection_is_refused(product: Product) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "projections", "rebuild", "nope"],
        env=product.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown projection" in done.stderr


def test_events_tail_prints_decoded_events_as_json_lines(product: Product) -> None:
    user = f"t-{uuid.uuid4().hex[:8]}"
    created = httpx.post(f"{product.base}/v1/playlists", json={"name": "Tail"}, headers=product.auth(user), timeout=60)
    playlist_id = created.json()["aggregate_id"]
    lines = _cli(product, "events", "tail", "tuneton.playlist.events", "--from-beginning", "--no-follow")
    mine = [json.loads(line) for line in lines.splitlines() if playlist_id in line]
    assert len(mine) == 1
    value = mine[0]["value"]
    assert value["event_type"] == "PlaylistCreated"
    assert value["aggregate_version"] == 1
    assert value["actor_id"] == user
    assert value["payload"][1]["name"] == "Tail"


def test_health_readiness_and_metrics(product: Product) -> None:
    user = f"m-{uuid.uuid4().hex[:8]}"
    httpx.post(f"{product.base}/v1/playlists", json={"name": "Metrics"}, headers=product.auth(user), timeout=60)
    assert httpx.get(f"{product.base}/healthz", timeout=10).json() == {"status": "ok"}
    ready = httpx.get(f"{product.base}/readyz", timeout=10).json()
    assert ready["ready"] is True, ready
    metrics = httpx.get(f"{product.base}/metrics", timeout=10).text
    assert 'tuneton_http_request_seconds_count{method="POST",route="/v1/playlists",status="2xx"}' in metrics
    labels = '{group="tuneton-projector-playlists",topic="tuneton.playlist.events"}'
    assert f"tuneton_consumer_lag_records{labels}" in metrics
    position = next(
        line for line in metrics.splitlines() if line.startswith(f"tuneton_projector_position_records{labels}")
    )
    assert float(position.split()[-1]) >= 1, "the playlist just created moved the stored position"
    if product.runtime == "kafka":  # the worker counts its records on its own port
        port = product.env["TUNETON_WORKER_METRICS_PORT"]
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    assert "tuneton_records_processed_total" in metrics


def test_openapi_documents_commands_and_queries(product: Product) -> None:
    spec = httpx.get(f"{product.base}/openapi.json", timeout=10).json()
    paths = spec["paths"]
    assert "/v1/playlists/{playlist_id}/items/{item_id}/move" in paths
    assert "409" in paths["/v1/playlists/{playlist_id}/items/{item_id}/move"]["post"]["responses"]
    assert "/v1/me/playlists" in paths
