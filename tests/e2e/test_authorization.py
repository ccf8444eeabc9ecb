"""Who may do what, end to end on both runtimes: sign-in with Telegram data, 401 without identity,
and user B unable to read, list, stream, render, change or delete user A's private things by copying ids.
Also the two defects of issue 9: idempotency keys per caller, and renders of equal private bytes."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.media_files import synth
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.telegram import sign_init_data

CHEAP_RENDER = {"semitones": 2, "quality": "preview", "format": "mp3"}


@pytest.fixture
def alice(product: Product) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=product.base, headers=product.auth(f"a-{uuid.uuid4().hex[:8]}"), timeout=60) as client:
        yield client


@pytest.fixture
def bob(product: Product) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=product.base, headers=product.auth(f"b-{uuid.uuid4().hex[:8]}"), timeout=60) as client:
        yield client


def tone(tmp_path: Path) -> Path:
    """A short WAV with bytes of its own (the Kafka log outlives a session: no stale cache hits)."""
    f0 = 300 + random.random()
    return synth(tmp_path / f"t-{uuid.uuid4().hex[:6]}.wav", seconds=1.5, source=f"sine=frequency={f0:.6f}")


def upload(api: httpx.Client, path: Path, visibility: str = "private") -> dict[str, Any]:
    with path.open("rb") as handle:
        created = api.post("/v1/tracks", params={"visibility": visibility}, files={"file": (path.name, handle)})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    assert api.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]}).is_success
    return body


def render(api: httpx.Client, track_id: str) -> dict[str, Any]:
    requested = api.post(f"/v1/tracks/{track_id}/renders", json=CHEAP_RENDER)
    assert requested.status_code == 202, requested.text
    body: dict[str, Any] = requested.json()
    assert api.get(body["status_url"]).status_code == 200
    return body


def private_playlist(api: httpx.Client, track_id: str) -> tuple[str, str]:
    created = api.post("/v1/playlists", json={"name": "Secret"}).json()
    item = api.post(f"/v1/playlists/{created['aggregate_id']}/items", json={"track_id": track_id})
    assert item.status_code == 201, item.text
    return created["aggregate_id"], item.json()["consistency_token"]


def assert_unauthorized(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["reason"] == reason
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_signing_in_with_mini_app_data_registers_the_profile_once(product: Product) -> None:
    telegram_id = str(random.randint(10**9, 2**40))
    photo = "https://t.me/i/userpic/320/ada.jpg"
    profile = TelegramProfile(user_id=telegram_id, first_name="Ada", last_name="L", username="ada_l",
                              language_code="en", is_premium=True, photo_url=photo)  # fmt: skip
    init_data = sign_init_data(profile, bot_token=product.bot_token(), auth_date=datetime.now(UTC))
    session = httpx.post(f"{product.base}/v1/auth/session", headers={"Authorization": f"tma {init_data}"}, timeout=60)
    assert session.status_code == 200, session.text
    body = session.json()
    assert body["token_type"] == "bearer"
    assert body["consistency_token"]
    assert body["user"] == {"user_id": telegram_id, "display_name": "Ada L", "username": "ada_l",
                            "photo_url": profile.photo_url, "language_code": "en", "is_premium": True}  # fmt: skip
    bearer = {"Authorization": f"Bearer {body['access_token']}"}
    consistency = {"consistency": body["consistency_token"]}  # the registration, visible at once
    me = httpx.get(f"{product.base}/v1/users/me", headers=bearer, params=consistency, timeout=60)
    assert (me.status_code, me.json()["version"], me.json()["display_name"]) == (200, 1, "Ada L")

    again = httpx.post(f"{product.base}/v1/auth/session", headers={"Authorization": f"tma {init_data}"}, timeout=60)
    assert again.status_code == 200
    same = httpx.get(f"{product.base}/v1/users/me", headers={"Authorization": f"tma {init_data}"}, timeout=60)
    assert same.json()["version"] == 1  # nothing changed: no event

    refreshed = httpx.post(f"{product.base}/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}, timeout=60)
    assert refreshed.status_code == 200
    assert refreshed.json()["user"]["user_id"] == telegram_id
    replayed = httpx.post(f"{product.base}/v1/auth/refresh", json={"refresh_token": body["refresh_token"]}, timeout=60)
    assert_unauthorized(replayed, "replayed")


def test_forged_init_data_and_foreign_tokens_are_refused(product: Product) -> None:
    profile = TelegramProfile(user_id="12345", first_name="Eve")
    forged = sign_init_data(profile, bot_token="1:not-this-bots-token", auth_date=datetime.now(UTC))
    url = f"{product.base}/v1/auth/session"
    assert_unauthorized(httpx.post(url, headers={"Authorization": f"tma {forged}"}, timeout=60), "bad_hash")
    assert_unauthorized(httpx.post(url, timeout=60), "malformed_authorization")
    strange = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}
    assert_unauthorized(httpx.get(f"{product.base}/v1/users/me", headers=strange, timeout=60), "unknown_key")


def test_the_dev_header_is_trusted_only_in_dev_mode(product: Product) -> None:
    me = httpx.put(f"{product.base}/v1/users/me", json={"display_name": "Dev"}, headers={"X-Tuneton-User": "dev-x"},
                   timeout=60)  # fmt: skip
    if product.runtime == "embedded":
        assert me.status_code == 200, me.text
    else:
        assert_unauthorized(me, "dev_mode_off")


WRITES = [
    ("POST", "/v1/playlists", {"name": "x"}),
    ("PUT", "/v1/playlists/p1/name", {"name": "x"}),
    ("PUT", "/v1/playlists/p1/visibility", {"visibility": "public"}),
    ("DELETE", "/v1/playlists/p1", None),
    ("POST", "/v1/playlists/p1/items", {"track_id": "t1"}),
    ("DELETE", "/v1/playlists/p1/items/i1", None),
    ("POST", "/v1/tracks", None),
    ("PATCH", "/v1/tracks/t1", {"title": "x"}),
    ("PUT", "/v1/tracks/t1/cover", None),
    ("DELETE", "/v1/tracks/t1", None),
    ("POST", "/v1/tracks/t1/renders", {"semitones": 1}),
    ("PUT", "/v1/users/me", {"display_name": "x"}),
    ("PATCH", "/v1/users/me", {"display_name": "x"}),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_no_route_writes_without_a_valid_identity(product: Product, method: str, path: str, body: Any) -> None:
    for headers, reason in (({}, "missing_credentials"), ({"Authorization": "Bearer nope"}, "invalid_token")):
        response = httpx.request(method, f"{product.base}{path}", json=body, headers=headers, timeout=60)
        assert_unauthorized(response, reason)


def test_b_cannot_reach_a_private_playlist_track_or_render(
    product: Product, alice: httpx.Client, bob: httpx.Client, tmp_path: Path
) -> None:
    track = upload(alice, tone(tmp_path))["track_id"]
    playlist, token = private_playlist(alice, track)
    asset = render(alice, track)
    assert alice.get(f"/v1/playlists/{playlist}", params={"consistency": token}).status_code == 200

    hidden = [
        f"/v1/playlists/{playlist}",
        f"/v1/public/playlists/{playlist}",
        f"/v1/tracks/{track}",
        f"/v1/tracks/{track}/audio/stream",
        f"/v1/tracks/{track}/audio/original",
        f"/v1/tracks/{track}/covers/300.jpg",
        asset["status_url"],
        asset["events_url"],
        asset["entry_url"].split("?")[0],  # the signed URL itself is alice's capability, whoever holds it
        f"/v1/renders/{asset['asset_key']}/positions?original_s=1",
    ]
    for path in hidden:
        for client in (bob, httpx.Client(base_url=product.base, timeout=60)):
            assert client.get(path).status_code == 404, path
    assert playlist not in {p["playlist_id"] for p in bob.get("/v1/me/playlists").json()["data"]}
    assert playlist not in {p["playlist_id"] for p in bob.get("/v1/public/playlists").json()["data"]}
    assert track not in {t["track_id"] for t in bob.get("/v1/tracks", params={"limit": 500}).json()["data"]}
    assert bob.post(f"/v1/tracks/{track}/renders", json=CHEAP_RENDER).status_code == 404

    changes = [
        ("PUT", f"/v1/playlists/{playlist}/name", {"name": "Mine now"}, 403),
        ("PUT", f"/v1/playlists/{playlist}/visibility", {"visibility": "public"}, 403),
        # the track is checked first: one bob cannot see is 404 track_not_found (its existence stays private)
        ("POST", f"/v1/playlists/{playlist}/items", {"track_id": track}, 404),
        ("DELETE", f"/v1/playlists/{playlist}", None, 403),
        ("PATCH", f"/v1/tracks/{track}", {"title": "Mine now"}, 403),
        ("DELETE", f"/v1/tracks/{track}", None, 403),
    ]
    for method, path, body, expected in changes:
        refused = bob.request(method, path, json=body)
        assert refused.status_code == expected, (path, refused.text)
    still = alice.get(f"/v1/playlists/{playlist}").json()
    assert (still["name"], still["visibility"], len(still["items"])) == ("Secret", "private", 1)
    assert alice.get(f"/v1/tracks/{track}").status_code == 200


def test_idempotency_keys_belong_to_their_caller(alice: httpx.Client, bob: httpx.Client) -> None:
    key = {"Idempotency-Key": f"shared-{uuid.uuid4().hex}"}
    mine = alice.post("/v1/playlists", json={"name": "Alice's"}, headers=key)
    assert mine.status_code == 201
    theirs = bob.post("/v1/playlists", json={"name": "Bob's"}, headers=key)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["aggregate_id"] != mine.json()["aggregate_id"]  # not A's replayed outcome, not A's id
    assert theirs.json()["command_id"] != mine.json()["command_id"]
    read = bob.get(
        f"/v1/playlists/{theirs.json()['aggregate_id']}", params={"consistency": theirs.json()["consistency_token"]}
    )
    assert read.json()["name"] == "Bob's"

    rename = bob.put(f"/v1/playlists/{mine.json()['aggregate_id']}/name", json={"name": "Bob's now"}, headers=key)
    assert rename.status_code == 403, rename.text
    assert alice.post("/v1/playlists", json={"name": "Alice's"}, headers=key).json() == mine.json()  # A's retry


def test_equal_private_bytes_render_apart_and_each_owner_sees_theirs(
    alice: httpx.Client, bob: httpx.Client, tmp_path: Path
) -> None:
    audio = tone(tmp_path)
    a_track, b_track = upload(alice, audio)["track_id"], upload(bob, audio)["track_id"]
    a_render = render(alice, a_track)
    b_render = render(bob, b_track)  # asserts B can read its status (it was 404 before the fix)
    assert b_render["asset_key"] != a_render["asset_key"]  # no cache hit across owners: nothing leaks
    assert bob.get(a_render["status_url"]).status_code == 404
    assert alice.get(b_render["status_url"]).status_code == 404
    assert bob.get(b_render["status_url"]).json()["track_id"] == b_track
