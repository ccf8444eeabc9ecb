"""The playlist topic as a test reads it: decoded events per aggregate, versions checked, and folded.

Crash and fault tests compare three things that must agree after any failure: what the log holds,
the state the pure decider folds from it, and the read model the query API serves.
"""

from __future__ import annotations

import json
import subprocess
import sys

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
        if line.strip():
            row = json.loads(line)
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
