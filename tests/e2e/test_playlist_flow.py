"""A listener's playlist session over HTTP, identical on the embedded and the Kafka runtime."""

from __future__ import annotations

import uuid
from pathlib import Path

from tests.e2e.callers import anonymous, client, uploaded_track
from tests.e2e.conftest import Product


def test_create_add_move_remove_read_back_in_order(product: Product, tmp_path: Path) -> None:
    user = f"u-{uuid.uuid4().hex[:8]}"
    with client(product, user) as api:
        created = api.post("/v1/playlists", json={"name": "Дорога 🚗", "visibility": "unlisted"})
        assert created.status_code == 201, created.text
        playlist_id = created.json()["aggregate_id"]
        t1, t2, t3 = (uploaded_track(api, tmp_path) for _ in range(3))
        items = {}
        for track in (t1, t2, t3):
            added = api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track})
            assert added.status_code == 201, added.text
            items[track] = added.json()["item_id"]
        moved = api.post(f"/v1/playlists/{playlist_id}/items/{items[t3]}/move", json={"after_item_id": None})
        assert moved.status_code == 200, moved.text
        removed = api.delete(f"/v1/playlists/{playlist_id}/items/{items[t1]}")
        assert removed.status_code == 200, removed.text
        assert removed.json()["version"] == 6

        token = removed.json()["consistency_token"]
        read = api.get(f"/v1/playlists/{playlist_id}", params={"consistency": token})
        assert read.status_code == 200, read.text
        body = read.json()
        assert [i["track_id"] for i in body["items"]] == [t3, t2]
        assert [i["position"] for i in body["items"]] == [0, 1]
        assert body["name"] == "Дорога 🚗"
        assert body["version"] == 6
        assert body["item_count"] == 2

        mine = api.get("/v1/me/playlists", params={"consistency": token}).json()
        assert [p["playlist_id"] for p in mine["data"]] == [playlist_id]

    with anonymous(product) as nobody:
        shared = nobody.get(f"/v1/public/playlists/{playlist_id}")
        assert shared.status_code == 200
        assert [i["track_id"] for i in shared.json()["items"]] == [t3, t2]


def test_rejections_are_precise_and_record_nothing(product: Product) -> None:
    owner, stranger = f"o-{uuid.uuid4().hex[:8]}", f"s-{uuid.uuid4().hex[:8]}"
    with client(product, owner) as api, client(product, stranger) as other:
        playlist_id = api.post("/v1/playlists", json={"name": "Mine"}).json()["aggregate_id"]

        foreign = other.put(f"/v1/playlists/{playlist_id}/name", json={"name": "Theirs"})
        assert foreign.status_code == 403
        assert foreign.json()["reason"] == "not_playlist_owner"

        unknown_item = api.post(f"/v1/playlists/{playlist_id}/items/nope/move", json={"after_item_id": None})
        assert unknown_item.status_code == 409
        assert unknown_item.json()["reason"] == "item_not_found"

        missing = api.put(f"/v1/playlists/{uuid.uuid4()}/name", json={"name": "x"})
        assert missing.status_code == 404
        assert missing.json()["reason"] == "playlist_not_found"

        blank = api.put(f"/v1/playlists/{playlist_id}/name", json={"name": "   "})
        assert blank.status_code == 422
        assert blank.json()["reason"] == "invalid_value"

        bad_visibility = api.put(f"/v1/playlists/{playlist_id}/visibility", json={"visibility": "secret"})
        assert bad_visibility.status_code == 422

        private = other.get(f"/v1/playlists/{playlist_id}")
        assert private.status_code == 404
        state = api.get(f"/v1/playlists/{playlist_id}").json()
        assert state["name"] == "Mine"
        assert state["version"] == 1


def test_retried_command_yields_same_outcome_and_no_second_event(product: Product, tmp_path: Path) -> None:
    with client(product, f"r-{uuid.uuid4().hex[:8]}") as api:
        playlist_id = api.post("/v1/playlists", json={"name": "Retry"}).json()["aggregate_id"]
        track = uploaded_track(api, tmp_path)
        key = {"Idempotency-Key": f"add-{uuid.uuid4()}"}
        first = api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track}, headers=key)
        again = api.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track}, headers=key)
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        token = again.json()["consistency_token"]
        body = api.get(f"/v1/playlists/{playlist_id}", params={"consistency": token}).json()
        assert body["version"] == 2
        assert [i["track_id"] for i in body["items"]] == [track]


def test_bad_consistency_token_is_a_400(product: Product) -> None:
    with client(product, "someone") as api:
        response = api.get("/v1/me/playlists", params={"consistency": "not-a-token"})
        assert response.status_code == 400
