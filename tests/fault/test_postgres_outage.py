"""PostgreSQL stops for 10 s and for 90 s while four clients add tracks to their playlists.

Before issue 8 the Faust playlists projector lost its in-flight batch (Faust's ``take_events`` acked
it in a ``finally`` when the write failed), so a track a client got 201 for never reached the read
model while the stored version already said later; reads and /readyz hung for the 30-s pool wait.
Now: commands keep being accepted (they do not need PostgreSQL), reads and /readyz answer 503 with
Retry-After at once, the projector retries its batch until PostgreSQL is back, and the read model
ends up equal to a fold of the topic: every accepted track exactly once, in log order.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field

import httpx
import pytest

from tests.e2e.callers import track_of
from tests.e2e.conftest import Product
from tests.e2e.playlist_log import fold
from tests.fault.observe import Seen, by_version, events_of, report, seconds_until_ready, timed
from tests.fault.private_stack import PrivateStack
from tuneton.events import topics

pytestmark = [pytest.mark.fault, pytest.mark.kafka, pytest.mark.timeout(1200)]
CLIENTS = 4
BEFORE = 20  # accepted additions before PostgreSQL stops
AFTER = 5  # per client, once it is back
REQUEST_TIMEOUT_S = 15  # well under the old 30-s pool wait: a hanging read fails the test


@dataclass
class Client:
    """One listener adding tracks to one playlist, each with its own Idempotency-Key until accepted."""

    user: str
    playlist_id: str
    auth: dict[str, str]  # Authorization for user
    track_id: str  # one real track, added once per label
    accepted: list[str] = field(default_factory=list)
    token: str = ""
    version: int = 0
    accepted_after: dict[float, int] = field(default_factory=dict)

    def add(self, base: str, track: str, seen: Seen) -> None:
        """Until accepted, even once the test wants to stop: a timed-out command may still be applied."""
        key = f"fault-{self.playlist_id}-{track}"
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            response = timed(seen, lambda: httpx.post(
                f"{base}/v1/playlists/{self.playlist_id}/items", json={"track_id": self.track_id},
                headers={**self.auth, "Idempotency-Key": key}, timeout=40,
            ))  # fmt: skip
            if response is not None and response.status_code == 201:
                self.accepted.append(track)
                self.token, self.version = response.json()["consistency_token"], response.json()["version"]
                return
            time.sleep(0.5)
        raise AssertionError(f"{track} was never accepted")


def _clients(product: Product) -> list[Client]:
    clients = []
    for n in range(CLIENTS):
        user = f"pg-{n}-{uuid.uuid4().hex[:6]}"
        created = httpx.post(f"{product.base}/v1/playlists", json={"name": f"outage {n}"},
                             headers=product.auth(user), timeout=40)  # fmt: skip
        assert created.status_code == 201, created.text
        clients.append(
            Client(user, created.json()["aggregate_id"], product.auth(user), track_of(product.base, product.auth(user)))
        )
    return clients


def _write(base: str, client: Client, seen: Seen, stop: threading.Event) -> None:
    n = 0
    while not stop.is_set():
        client.add(base, f"track-{n:04d}", seen)
        n += 1
        time.sleep(0.1)  # a listener's pace, not a benchmark


def _probe(base: str, client: Client, reads: Seen, ready: Seen, stop: threading.Event) -> None:
    """A reader and a load balancer: what did they get while PostgreSQL was away?"""
    while not stop.is_set():
        for seen, path in ((reads, f"/v1/playlists/{client.playlist_id}"), (ready, "/readyz")):
            response = timed(seen, lambda p=path: httpx.get(
                base + p, headers=client.auth, timeout=REQUEST_TIMEOUT_S))  # fmt: skip
            refused = response is not None and response.status_code == 503
            if seen is reads and refused and "retry-after" not in response.headers:  # type: ignore[union-attr]
                seen.record("503 without Retry-After", 0.0)  # asserted after the run: threads cannot fail it
        time.sleep(0.5)


def _converged(base: str, client: Client, *, limit_s: float = 180) -> tuple[dict[str, object], float]:
    """The playlist once the read model reached the client's last accepted version."""
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        headers = {**client.auth, "X-Consistency-Token": client.token}
        read = httpx.get(f"{base}/v1/playlists/{client.playlist_id}", timeout=REQUEST_TIMEOUT_S,
                         params={"items_limit": 10_000}, headers=headers)  # fmt: skip
        if read.status_code == 200:
            return read.json(), time.monotonic() - began
        time.sleep(0.5)
    raise AssertionError(f"{client.playlist_id} never reached version {client.version}: the projector is stuck")


@pytest.mark.parametrize("outage_s", [10, 90])
def test_a_postgres_outage_under_load_loses_nothing(
    fault_product: Product, private_stack: PrivateStack, outage_s: int
) -> None:
    base = fault_product.base
    clients = _clients(fault_product)
    writes, reads, ready = Seen("POST /v1/playlists/{id}/items"), Seen("GET /v1/playlists/{id}"), Seen("GET /readyz")
    stop = threading.Event()
    threads = [threading.Thread(target=_write, args=(base, c, writes, stop)) for c in clients]
    threads.append(threading.Thread(target=_probe, args=(base, clients[0], reads, ready, stop)))
    for thread in threads:
        thread.start()
    try:
        while sum(len(c.accepted) for c in clients) < BEFORE:
            time.sleep(0.1)
        down = time.monotonic() - writes.started
        private_stack.stop("postgres")
        time.sleep(outage_s)
        private_stack.start("postgres")
        up = time.monotonic() - writes.started
        recovered_s = seconds_until_ready(base)
        marks = [len(c.accepted) for c in clients]
        while any(len(c.accepted) < m + AFTER for c, m in zip(clients, marks, strict=True)):
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)

    caught_up = []
    records = events_of(fault_product, topics.PLAYLIST_EVENTS)
    for client in clients:
        body, waited = _converged(base, client)
        caught_up.append(waited)
        items = [str(i["track_id"]) for i in body["items"]]  # type: ignore[attr-defined]
        assert len(items) == len(client.accepted), "an accepted add is missing from the read model, or applied twice"
        assert set(items) == {client.track_id}
        assert items == fold(by_version(records, client.playlist_id)), "the read model is not the topic's fold"
        assert body["version"] == client.version

    outage = [a for s in (reads, ready) for a in s.between(down, up)]
    assert not [a for a in outage if a[1] not in {"200", "503"}], f"reads must fail fast with 503: {outage}"
    assert any(a[1] == "503" for a in ready.between(down + 3, up)), "/readyz said ready without PostgreSQL"
    report(
        f"PostgreSQL down {outage_s}s, {CLIENTS} writers, {sum(len(c.accepted) for c in clients)} tracks accepted",
        [
            writes.summary(down, up),
            reads.summary(down, up),
            ready.summary(down, up),
            f"ready {recovered_s:.1f}s after PostgreSQL answered again; read model caught up within "
            f"{max(caught_up):.1f}s more; no restart",
        ],
    )
