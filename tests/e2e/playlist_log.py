"""The playlist topic as a test reads it: decoded events per aggregate, versions checked, and folded.

Crash and fault tests compare three things that must agree after any failure: what the log holds,
the state the pure decider folds from it, and the read model the query API serves.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx

from tests.e2e.conftest import Product
from tests.e2e.servers import ROOT
from tuneton.domain.playlist import decider
from tuneton.domain.playlist import events as e
from tuneton.domain.playlist.commands import Visibility

Event = dict[str, object]


def playlist_events(product: Product) -> dict[str, list[Event]]:
    """Every decoded event of ``tuneton.playlist.events`` by aggregate id, in log order."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tuneton.cli",
            "events",
            "tail",
            "tuneton.playlist.events",
            "--from-beginning",
            "--no-follow",
        ],
        env=product.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    by_key: dict[str, list[Event]] = {}
    for line in out.stdout.splitlines():
        row = json.loads(line) if line.strip() else {}
        if "value" in row:  # the dead-letter tests' poison is undecodable, under keys of its own
            by_key.setdefault(str(row.get("key")), []).append(row["value"])
    return by_key


def one_per_version(events: list[Event]) -> dict[int, Event]:
    """The events by aggregate version; at-least-once may repeat one, but only byte-identically."""
    by_version: dict[int, Event] = {}
    for ev in events:
        version = int(str(ev["aggregate_version"]))
        assert by_version.setdefault(version, ev) == ev, f"version {version} was written twice, differently"
    return by_version


def fold(by_version: dict[int, Event]) -> list[str]:
    """The track ids of the playlist these events describe, applied in version order."""
    state = None
    for version in sorted(by_version):
        name, payload = by_version[version]["payload"]  # type: ignore[misc]
        cls = getattr(e, str(name).rsplit(".", 1)[-1])
        if "visibility" in payload:
            payload = {**payload, "visibility": Visibility(payload["visibility"])}
        state = decider.evolve(state, cls(**payload))
    assert state is not None
    return [item.track_id for item in state.items]


def settled_playlist(base: str, playlist_id: str, auth: dict[str, str], *, name: str, wait_s: float = 180) -> Event:
    """The playlist as the query API serves it once its projection reached the last version.

    A no-op rename (``name`` is the current name) is accepted without events and returns the current
    version as a consistency token. After a crash the projector may need longer than one read's wait
    budget (a Faust worker rejoins its group and recovers its tables first): a ``503`` with Retry-After
    is that answer, retried until ``wait_s``.
    """
    token = httpx.put(f"{base}/v1/playlists/{playlist_id}/name", json={"name": name}, headers=auth, timeout=40)
    assert token.status_code == httpx.codes.OK, token.text
    deadline = time.monotonic() + wait_s
    while True:
        response = httpx.get(
            f"{base}/v1/playlists/{playlist_id}",
            params={"consistency": token.json()["consistency_token"]},
            headers=auth,
            timeout=40,
        )
        if response.status_code != httpx.codes.SERVICE_UNAVAILABLE or time.monotonic() > deadline:
            break
        time.sleep(float(response.headers.get("Retry-After", "1")))
    assert response.status_code == httpx.codes.OK, response.text
    return dict(response.json())


def lost_report(events: list[Event], model: Event) -> str:
    """Why the read model and the fold disagree: each added item the model lacks, with where its event
    first appears in the log and the versions around it (an out-of-order first appearance shows here)."""
    shown = {str(item["item_id"]) for item in model.get("items", [])}  # type: ignore[attr-defined]
    first_seen: dict[int, int] = {}
    for position, ev in enumerate(events):
        first_seen.setdefault(int(str(ev["aggregate_version"])), position)
    lines = []
    for position, ev in enumerate(events):
        _, payload = ev["payload"]  # type: ignore[misc]
        item = payload.get("item_id") if isinstance(payload, dict) else None
        version = int(str(ev["aggregate_version"]))
        if item is not None and item not in shown and first_seen[version] == position:
            around = [int(str(e["aggregate_version"])) for e in events[max(0, position - 4) : position + 5]]
            lines.append(f"v{version} item {item} at log position {position}; versions around it: {around}")
    return "items missing from the read model:\n" + "\n".join(lines)
