"""A playlist lists only tracks its reader may see, and takes only tracks its caller may see (issue 9).

Before: any string was accepted as a track id, and another listener's private track added to a
public playlist showed to every anonymous reader.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.e2e.callers import anonymous, client, uploaded_track
from tests.e2e.conftest import Product


def new_playlist(api: httpx.Client, visibility: str = "public") -> str:
    created = api.post("/v1/playlists", json={"name": "Mix", "visibility": visibility})
    assert created.status_code == 201, created.text
    return str(created.json()["aggregate_id"])


def track_ids(reader: httpx.Client, path: str, token: str | None = None) -> list[str]:
    answer = reader.get(path, params={"consistency": token} if token else None)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["item_count"] == len(body["items"])
    return [item["track_id"] for item in body["items"]]


def test_unknown_and_foreign_private_tracks_are_refused_alike(product: Product, tmp_path: Path) -> None:
    owner, other = f"a-{uuid.uuid4().hex[:8]}", f"b-{uuid.uuid4().hex[:8]}"
    with client(product, owner) as a, client(product, other) as b:
        hidden = uploaded_track(b, tmp_path, visibility="private")
        created = a.post("/v1/playlists", json={"name": "Mix", "visibility": "public"}).json()
        playlist_id, token = created["aggregate_id"], created["consistency_token"]
        for track in (hidden, "no-such-track"):
            refused = a.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track})
            assert refused.status_code == 404, refused.text
            assert refused.json()["reason"] == "track_not_found"
            assert refused.json()["details"] == {"track_id": track}
        read = a.get(f"/v1/playlists/{playlist_id}", params={"consistency": token})  # the creation, projected
        assert read.json()["version"] == 1  # nothing recorded after it


def test_public_and_unlisted_tracks_of_others_may_be_added(product: Product, tmp_path: Path) -> None:
    with client(product, f"a-{uuid.uuid4().hex[:8]}") as a, client(product, f"b-{uuid.uuid4().hex[:8]}") as b:
        shared = [uploaded_track(b, tmp_path, visibility=v) for v in ("public", "unlisted")]
        playlist_id = new_playlist(a)
        token = None
        for track in shared:
            added = a.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track})
            assert added.status_code == 201, added.text
            token = added.json()["consistency_token"]
        with anonymous(product) as nobody:
            nobody.get(f"/v1/public/playlists/{playlist_id}", params={"consistency": token})
            assert track_ids(nobody, f"/v1/public/playlists/{playlist_id}") == shared


def test_the_owners_private_track_shows_only_to_the_owner(product: Product, tmp_path: Path) -> None:
    with client(product, f"a-{uuid.uuid4().hex[:8]}") as a, client(product, f"c-{uuid.uuid4().hex[:8]}") as c:
        mine = uploaded_track(a, tmp_path, visibility="private")
        public = uploaded_track(a, tmp_path, visibility="public")
        playlist_id = new_playlist(a)
        token = ""
        for track in (mine, public):
            added = a.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": track})
            assert added.status_code == 201, added.text
            token = added.json()["consistency_token"]
        assert track_ids(a, f"/v1/playlists/{playlist_id}", token) == [mine, public]
        assert track_ids(c, f"/v1/playlists/{playlist_id}") == [public]
        with anonymous(product) as nobody:
            assert track_ids(nobody, f"/v1/public/playlists/{playlist_id}") == [public]
            listed = nobody.get("/v1/public/playlists", params={"limit": 500}).json()["data"]
        assert next(p for p in listed if p["playlist_id"] == playlist_id)["item_count"] == 1


def test_a_removed_track_leaves_every_playlist(product: Product, tmp_path: Path) -> None:
    with client(product, f"a-{uuid.uuid4().hex[:8]}") as a, client(product, f"b-{uuid.uuid4().hex[:8]}") as b:
        theirs = uploaded_track(b, tmp_path, visibility="public")
        playlist_id = new_playlist(a)
        assert a.post(f"/v1/playlists/{playlist_id}/items", json={"track_id": theirs}).status_code == 201
        removed = b.delete(f"/v1/tracks/{theirs}")
        assert removed.status_code == 200, removed.text
        assert b.get(f"/v1/tracks/{theirs}", params={"consistency": removed.json()["consistency_token"]}).status_code
        assert track_ids(a, f"/v1/playlists/{playlist_id}") == []
