"""A listener's session over HTTP on both runtimes: queue, takeover between devices, history, refusals."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx

from tests.e2e.conftest import Product
from tests.e2e.test_operator_tools import _cli
from tests.media_files import synth


def client(product: Product, user: str) -> httpx.Client:
    """An HTTP client signed in as ``user`` (a token minted with the product's key)."""
    return httpx.Client(base_url=product.base, headers=product.auth(user), timeout=180)


def upload(api: httpx.Client, path: Path, *, frequency: int, seconds: float, visibility: str = "public") -> str:
    synth(path, seconds=seconds, source=f"sine=frequency={frequency}")
    with path.open("rb") as fh:
        answer = api.post("/v1/tracks", params={"visibility": visibility}, files={"file": (path.name, fh)})
    assert answer.status_code == 201, answer.text
    track_id, token = answer.json()["track_id"], answer.json()["consistency_token"]
    consistent(api, f"/v1/tracks/{track_id}", token)  # projected before the command side resolves it
    return str(track_id)


def consistent(api: httpx.Client, path: str, token: object, **params: str) -> httpx.Response:
    """GET with a consistency token, retrying while the read model is behind (503 + Retry-After)."""
    for _ in range(60):
        answer = api.get(path, params={"consistency": str(token), **params})
        if answer.status_code != 503:
            return answer
        time.sleep(float(answer.headers.get("Retry-After", "1")))
    return answer


def ok(answer: httpx.Response, code: int = 200) -> dict[str, object]:
    assert answer.status_code == code, answer.text
    body: dict[str, object] = answer.json()
    return body


def read(api: httpx.Client, path: str, token: object, **params: str) -> dict[str, object]:
    return ok(consistent(api, path, token, **params))


def test_queue_devices_history_and_refusals(product: Product, tmp_path: Path) -> None:
    alice, bob = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    salt = uuid.uuid4().int % 200
    with client(product, alice) as api, client(product, bob) as other:
        long_one = upload(api, tmp_path / "long.mp3", frequency=300 + salt, seconds=25)
        t2 = upload(api, tmp_path / "two.mp3", frequency=700 + salt, seconds=3)
        t3 = upload(api, tmp_path / "three.mp3", frequency=1100 + salt, seconds=3)
        private = upload(other, tmp_path / "secret.mp3", frequency=1500 + salt, seconds=3, visibility="private")

        played = ok(
            api.post("/v1/me/queue/play", json={"track_ids": [long_one, t2, t3], "index": 0, "device_id": "phone"}), 201
        )
        items = played["item_ids"]
        session = read(api, "/v1/me/session", played["consistency_token"], device_id="phone")
        assert session["now_playing"]["track_id"] == long_one  # type: ignore[index]
        assert session["this_device_active"] is True

        nexted = ok(api.post("/v1/me/queue/play-next", json={"track_id": t3}), 201)
        queue = read(api, "/v1/me/queue", nexted["consistency_token"])
        assert [i["track_id"] for i in queue["data"]] == [long_one, t3, t2, t3]  # type: ignore[attr-defined]
        assert queue["current_index"] == 0
        up = read(api, "/v1/me/queue/next", nexted["consistency_token"])["next"]
        assert (up["item_id"], up["available"]) == (nexted["item_ids"][0], True)  # type: ignore[index]
        hint = up["prefetch"]  # type: ignore[index]
        assert hint["url"].startswith(f"/v1/tracks/{t3}/audio/stream")
        preload = api.get(hint["url"], headers={"Range": hint["range"]})
        assert preload.status_code == 206, preload.text
        assert len(preload.content) == int(hint["range"].rsplit("-", 1)[1]) + 1

        # phone pauses at 12 s; the laptop picks up there; the phone presses play again and takes over
        ok(api.post("/v1/me/session/position", json={"device_id": "phone", "item_id": items[0], "position_ms": 12_000}))
        ok(api.post("/v1/me/session/pause", json={"device_id": "phone", "position_ms": 12_000}))
        laptop = ok(api.post("/v1/me/session/resume", json={"device_id": "laptop"}))
        picked = read(api, "/v1/me/session", laptop["consistency_token"], device_id="phone")
        assert picked["device_id"] == "laptop"
        assert picked["this_device_active"] is False
        assert picked["now_playing"]["saved_position_ms"] == 12_000  # type: ignore[index]
        ok(api.post("/v1/me/session/resume", json={"device_id": "phone"}))
        superseded = api.post("/v1/me/session/pause", json={"device_id": "laptop", "position_ms": 13_000})
        assert superseded.status_code == 409, superseded.text
        assert superseded.json()["reason"] == "device_superseded"
        assert superseded.json()["details"] == {"active_device_id": "phone"}

        # next, then that track ends: the history shows the long one skipped, t3 finished, t2 playing
        ok(api.post("/v1/me/session/next", json={"device_id": "phone"}))
        ended = ok(api.post("/v1/me/session/ended", json={"device_id": "phone", "item_id": nexted["item_ids"][0]}))
        history = read(api, "/v1/me/history", ended["consistency_token"])
        assert [(p["track_id"], p["outcome"]) for p in history["data"]] == [  # type: ignore[attr-defined]
            (t2, "playing"),
            (t3, "finished"),
            (long_one, "skipped"),
        ]
        resume_at = read(api, "/v1/me/continue", ended["consistency_token"])["data"]
        assert [(t["track_id"], t["position_ms"] >= 12_000) for t in resume_at] == [(long_one, True)]  # type: ignore[attr-defined]
        mine = read(api, "/v1/me/plays", ended["consistency_token"])["data"]
        assert [(t["track_id"], t["plays"]) for t in mine] == [(t3, 1)]  # type: ignore[attr-defined]

        refused = api.post("/v1/me/queue/play-now", json={"track_id": private, "device_id": "phone"})
        assert refused.status_code == 404, refused.text
        assert refused.json()["reason"] == "track_not_found"
        missing = api.delete(f"/v1/me/queue/items/{uuid.uuid4()}")
        assert missing.status_code == 409, missing.text
        assert missing.json()["reason"] == "queue_item_not_found"
        bad_index = api.post("/v1/me/queue/play", json={"track_ids": [t2], "index": 3, "device_id": "phone"})
        assert bad_index.status_code == 422, bad_index.text


def ready_render(api: httpx.Client, track_id: str) -> str:
    """Request a render of ``track_id`` (tempo 1.25) and wait until it is ready; its asset key."""
    asked = api.post(f"/v1/tracks/{track_id}/renders", json={"semitones": 2, "tempo": 1.25, "quality": "preview"})
    assert asked.status_code == 202, asked.text
    for _ in range(360):
        status = consistent(api, asked.json()["status_url"].split("?")[0], asked.json()["consistency_token"])
        if status.json()["status"] == "ready":
            return str(asked.json()["asset_key"])
        assert status.json()["status"] in ("queued", "rendering"), status.text
        time.sleep(0.5)
    raise AssertionError("the render did not finish")


def test_switching_between_the_original_and_a_render_keeps_the_moment(product: Product, tmp_path: Path) -> None:
    user, salt = f"r-{uuid.uuid4().hex[:8]}", uuid.uuid4().int % 200
    with client(product, user) as api:
        track = upload(api, tmp_path / "song.mp3", frequency=500 + salt, seconds=4)
        other = upload(api, tmp_path / "other.mp3", frequency=900 + salt, seconds=3)
        render, foreign = ready_render(api, track), ready_render(api, other)
        played = ok(api.post("/v1/me/queue/play", json={"track_ids": [track], "device_id": "phone"}), 201)
        item = played["item_ids"][0]  # type: ignore[index]

        to_render = {"device_id": "phone", "item_id": item, "asset_key": render, "position_ms": 2_000}
        switched = ok(api.post("/v1/me/session/rendition", json=to_render))
        now = read(api, "/v1/me/session", switched["consistency_token"])["now_playing"]
        assert (now["asset_key"], now["tempo"], now["saved_position_ms"]) == (render, 1.25, 1_600)  # type: ignore[index]
        to_original = {"device_id": "phone", "item_id": item, "asset_key": None, "position_ms": 2_400}
        back = ok(api.post("/v1/me/session/rendition", json=to_original))
        now = read(api, "/v1/me/session", back["consistency_token"])["now_playing"]
        assert (now["asset_key"], now["saved_position_ms"]) == (None, 3_000)  # type: ignore[index]

        wrong = api.post("/v1/me/session/rendition", json={**to_render, "asset_key": foreign})
        assert wrong.status_code == 404, wrong.text
        assert wrong.json()["reason"] == "render_not_found"


def test_an_analyst_replays_the_history_from_the_topic_and_the_routes_are_documented(product: Product) -> None:
    user = f"h-{uuid.uuid4().hex[:8]}"
    with client(product, user) as api:
        added = ok(api.post("/v1/me/queue/play", json={"track_ids": ["nope"], "device_id": "d"}), 404)
        assert added["reason"] == "track_not_found"
        shuffled = ok(api.put("/v1/me/session/shuffle", json={"enabled": True}))
        ok(api.put("/v1/me/session/repeat", json={"mode": "all"}))
    lines = _cli(product, "events", "tail", "tuneton.listening.events", "--from-beginning", "--no-follow")
    mine = [json.loads(line)["value"] for line in lines.splitlines() if f'"{user}"' in line]
    assert [(v["event_type"], v["aggregate_version"]) for v in mine] == [("ShuffleChanged", 1), ("RepeatChanged", 2)]
    assert mine[0]["causation_id"] == shuffled["command_id"]

    paths = httpx.get(f"{product.base}/openapi.json", timeout=30).json()["paths"]
    for path in ("/v1/me/queue/play", "/v1/me/session/rendition", "/v1/me/queue/next", "/v1/me/continue"):
        assert path in paths
    assert "409" in paths["/v1/me/session/pause"]["post"]["responses"]
