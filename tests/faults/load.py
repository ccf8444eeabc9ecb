"""Load for fault tests: a few clients adding tracks to their own playlists while a server fails.

Each client behaves as the API asks a well-behaved client to: one Idempotency-Key per command, and on
``503`` (or a dropped connection) the same request again after ``Retry-After``. Every answer is kept
with its latency, so a test can say what clients saw during the fault, and the checks at the end
compare the log, the fold of the log and the read model.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from tests.e2e.callers import track_of
from tests.e2e.conftest import Product
from tests.e2e.playlist_log import fold, lost_report, one_per_version, playlist_events, settled_playlist

GIVE_UP_S = 240  # a command still unanswered after this long fails the test (the system did not heal)


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange: its status (None: no answer), latency and ``Retry-After``."""

    at: float  # time.monotonic() when the request was sent
    status: int | None
    latency_s: float
    retry_after: str | None
    reason: str | None = None


@dataclass
class Client:
    """One user adding ``tracks`` to its own playlist, retrying each command until it is accepted."""

    base: str
    tracks: list[str]
    http_timeout_s: float
    user: str
    auth: dict[str, str]  # Authorization that signs ``user`` in
    playlist_id: str = ""
    track_id: str = ""  # one real track, added once per label in ``tracks``
    answers: list[Answer] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)
    accepted: int = 0

    def run(self, pace_s: float) -> None:
        """Create the playlist, then add every track (each retried until accepted)."""
        self.track_id = track_of(self.base, self.auth)
        created = self._until_accepted("POST", "/v1/playlists", {"name": "Fault"}, f"create-{self.user}")
        self.playlist_id = created["aggregate_id"]
        for track in self.tracks:
            body = self._until_accepted(
                "POST", f"/v1/playlists/{self.playlist_id}/items", {"track_id": self.track_id}, f"{self.user}-{track}"
            )
            self.versions[track] = int(body["version"])
            self.accepted += 1
            time.sleep(pace_s)

    def _until_accepted(self, method: str, path: str, body: dict[str, str], key: str) -> dict[str, object]:
        headers = {**self.auth, "Idempotency-Key": key}
        deadline = time.monotonic() + GIVE_UP_S
        while time.monotonic() < deadline:
            sent = time.monotonic()
            try:
                response = httpx.request(
                    method, self.base + path, json=body, headers=headers, timeout=self.http_timeout_s
                )
            except httpx.HTTPError as error:
                self.answers.append(Answer(sent, None, time.monotonic() - sent, None, type(error).__name__))
                time.sleep(0.5)
                continue
            reason = _reason(response)
            retry_after = response.headers.get("retry-after")
            self.answers.append(Answer(sent, response.status_code, time.monotonic() - sent, retry_after, reason))
            if response.status_code == httpx.codes.CREATED:
                return dict(response.json())
            time.sleep(float(retry_after) if retry_after else 0.5)
        raise AssertionError(f"{self.user}: {method} {path} never accepted in {GIVE_UP_S}s")


def _reason(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return str(body.get("reason")) if isinstance(body, dict) and "reason" in body else None


@dataclass
class Load:
    """``clients`` concurrent clients, ``per_client`` tracks each."""

    product: Product
    clients: int = 3
    per_client: int = 24
    pace_s: float = 0.05
    http_timeout_s: float = 40
    members: list[Client] = field(init=False)

    def __post_init__(self) -> None:
        users = [f"fault-{uuid.uuid4().hex[:8]}" for _ in range(self.clients)]
        tracks = [f"t{n:03d}" for n in range(self.per_client)]
        self.members = [
            Client(self.product.base, tracks, self.http_timeout_s, user, self.product.auth(user)) for user in users
        ]

    def run_with(self, fault: Callable[[], None], *, after_each: int) -> None:
        """Run the clients; start ``fault`` once every client has ``after_each`` accepted commands."""
        failure: list[BaseException] = []

        def injector() -> None:
            try:
                while min(c.accepted for c in self.members) < after_each:
                    time.sleep(0.05)
                fault()
            except BaseException as error:
                failure.append(error)
                raise

        thread = threading.Thread(target=injector, name="fault")
        thread.start()
        with ThreadPoolExecutor(self.clients) as pool:
            for done in [pool.submit(c.run, self.pace_s) for c in self.members]:
                done.result()
        thread.join()
        if failure:
            raise failure[0]

    def answers(self) -> list[Answer]:
        """Every answer any client got, in sending order."""
        return sorted((a for c in self.members for a in c.answers), key=lambda a: a.at)

    def summary(self, since: float, until: float) -> dict[str, object]:
        """Statuses and latencies of requests sent in [since, until) (monotonic)."""
        window = [a for a in self.answers() if since <= a.at < until]
        latencies = sorted(a.latency_s for a in window)
        return {
            "requests": len(window),
            "statuses": dict(Counter(str(a.status) for a in window)),
            "reasons": dict(Counter(str(a.reason) for a in window if a.status != httpx.codes.CREATED)),
            "latency_p50_s": round(latencies[len(latencies) // 2], 2) if latencies else None,
            "latency_max_s": round(latencies[-1], 2) if latencies else None,
        }


def assert_nothing_lost_nothing_twice(product: Product, load: Load) -> None:
    """Per client's playlist: versions gapless and unique, every accepted track once, read model = fold."""
    logged = playlist_events(product)
    for client in load.members:
        by_version = one_per_version(logged.get(client.playlist_id, []))
        assert sorted(by_version) == list(range(1, len(client.tracks) + 2)), "versions gapless, none twice"
        items = fold(by_version)
        assert items == [client.track_id] * len(client.tracks), "every accepted add exactly once"
        assert sorted(client.versions.values()) == list(range(2, len(client.tracks) + 2)), "one version each"
        model = read_model(product, client)
        assert model["version"] == len(client.tracks) + 1
        assert [i["track_id"] for i in model["items"]] == items, "the read model equals the fold of the topic\n" + (
            lost_report(logged.get(client.playlist_id, []), model)
        )


def read_model(product: Product, client: Client) -> dict[str, object]:
    """The playlist as the query API serves it, once the projection reached the last version."""
    return settled_playlist(product.base, client.playlist_id, client.auth, name="Fault")
