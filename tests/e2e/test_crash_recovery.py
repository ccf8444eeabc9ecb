"""SIGKILL the process that runs the processors mid-stream: the read model must end up exactly as if
nothing happened — every command applied once, in the order the log holds, nothing duplicated."""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.callers import client, uploaded_track
from tests.e2e.conftest import EMBEDDED_BESIDE, Product
from tests.e2e.playlist_log import fold, lost_report, one_per_version, playlist_events, settled_playlist
from tests.e2e.servers import auth_env, embedded_workers, product_env, serve, wait_processing, wait_ready

COMMANDS = 60


class _Progress:
    """Counts accepted commands so the crash lands mid-stream, not before or after it."""

    def __init__(self) -> None:
        self.accepted = 0
        self.at_crash: int | None = None
        self.lock = threading.Lock()
        self.reached = threading.Event()

    def accept(self) -> None:
        with self.lock:
            self.accepted += 1
            if self.accepted >= COMMANDS // 4:
                self.reached.set()


def _add_until_accepted(
    base: str, auth: dict[str, str], playlist_id: str, track: str, label: str, progress: _Progress
) -> int:
    """Retry with the same Idempotency-Key through crashes and timeouts until the verdict arrives."""
    key = f"crash-{playlist_id}-{label}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            response = httpx.post(
                f"{base}/v1/playlists/{playlist_id}/items",
                json={"track_id": track},
                headers={**auth, "Idempotency-Key": key},
                timeout=40,
            )
            if response.status_code == 201:
                progress.accept()
                return int(response.json()["version"])
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{track} never accepted")


def _crash_and_restart(product: Product, progress: _Progress) -> None:
    progress.reached.wait(120)
    with progress.lock:
        progress.at_crash = progress.accepted
    product.processing.kill()
    product.processing.start()
    if product.processing is product.server:
        wait_ready(product.base, product.server)
    wait_processing(product.base, product.auth("probe-restart"))


def _kill_the_embedded_worker(product: Product, progress: _Progress) -> None:
    """SIGKILL the worker process ``tuneton serve`` runs the processors in; serve starts it again."""
    progress.reached.wait(120)
    with progress.lock:
        progress.at_crash = progress.accepted
    assert product.server.popen is not None
    (worker,) = embedded_workers(product.server.popen.pid)
    os.kill(worker, signal.SIGKILL)
    wait_processing(product.base, product.auth("probe-restart"))
    (again,) = embedded_workers(product.server.popen.pid)
    assert again != worker


@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)
def test_killing_the_processor_mid_stream_loses_nothing(product: Product, tmp_path: Path) -> None:
    _crash_mid_stream(product, tmp_path, _crash_and_restart)


@pytest.mark.isolated  # an embedded product of its own: runs beside the rest
def test_killing_the_embedded_worker_mid_stream_loses_nothing(tmp_path: Path) -> None:
    """``embedded_processors = "worker"``: the processors die alone, the serving process lives on."""
    worker_mode = {"TUNETON_EMBEDDED_PROCESSORS": "worker"}
    env = product_env({"TUNETON_DATA_DIR": str(tmp_path / "data"), **worker_mode, **auth_env(tmp_path / "auth")})
    server, base = serve(env, tmp_path / "serve.log")
    try:
        _crash_mid_stream(Product("embedded", base, server, server, env), tmp_path, _kill_the_embedded_worker)
        assert server.popen is not None
        (worker,) = embedded_workers(server.popen.pid)
        server.kill()  # no shutdown: the worker learns it from its link's end-of-file
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the serving process"
    finally:
        server.stop()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has exited (its parent, serve, is gone and nobody reaped it yet)


def _crash_mid_stream(
    product: Product, tmp_path: Path, crash_and_restart: Callable[[Product, _Progress], None]
) -> None:
    user = f"k-{uuid.uuid4().hex[:8]}"
    with client(product, user) as api:
        track = uploaded_track(api, tmp_path)  # added COMMANDS times: each add is its own item
    created = httpx.post(f"{product.base}/v1/playlists", json={"name": "Crash"}, headers=product.auth(user), timeout=30)
    assert created.status_code == 201, created.text
    playlist_id = created.json()["aggregate_id"]

    progress = _Progress()
    crash = threading.Thread(target=crash_and_restart, args=(product, progress))
    crash.start()
    labels = [f"add-{n:03d}" for n in range(COMMANDS)]
    with ThreadPoolExecutor(4) as pool:
        versions = list(
            pool.map(
                lambda n: _add_until_accepted(product.base, product.auth(user), playlist_id, track, n, progress), labels
            )
        )
    crash.join()
    assert progress.at_crash is not None
    assert progress.at_crash < COMMANDS, "the crash happened mid-stream"

    assert sorted(versions) == list(range(2, COMMANDS + 2)), "each command got its own version, none twice"

    events = playlist_events(product)[playlist_id]
    by_version = one_per_version(events)
    assert sorted(by_version) == list(range(1, COMMANDS + 2)), "no gap, no conflicting version"
    if product.runtime == "embedded":  # one SQLite transaction per batch: not even an identical repeat
        assert len(events) == len(by_version)
    expected = fold(by_version)
    assert expected == [track] * COMMANDS

    body = settled_playlist(product.base, playlist_id, product.auth(user), name="Crash")
    assert body["version"] == COMMANDS + 1
    assert [i["track_id"] for i in body["items"]] == expected, lost_report(events, body)
