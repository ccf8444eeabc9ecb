"""Signed media URLs over real HTTP on both runtimes: a player with no header, Range and conditional
requests on signed URLs, expiry, tampering, and revocation when a track turns private or is removed.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.e2e.media_http import RANGE_CASES, RangeCase, check_case, check_head
from tests.e2e.test_track_catalog import client, song, upload
from tuneton.auth.media_urls import MediaUrlSigner, load_keys, track_prefix


def uploaded(product: Product, files: Path, *, visibility: str) -> tuple[str, str, dict[str, Any]]:
    """(owner, track id, the track as its owner reads it) of a fresh upload."""
    owner = f"owner-{uuid.uuid4().hex[:8]}"
    with client(product, owner) as api:
        created = upload(api, song(files, word=f"s{uuid.uuid4().hex[:8]}"), visibility=visibility)
        assert created.status_code == 201, created.text
        body = created.json()
        track = api.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]})
        return owner, body["track_id"], track.json()


def stream_of(track: dict[str, Any]) -> dict[str, Any]:
    return next(r for r in track["renditions"] if r["name"] == "stream")


def signer_of(product: Product, *, ttl_s: int = 3600) -> MediaUrlSigner:
    """A signer with the product's own keys (its generated key file), to forge expiries in tests."""
    keys = load_keys(product.data_dir / "media-url-keys", create=False)
    return MediaUrlSigner(keys, ttl_s=ttl_s, granularity_s=1)


@pytest.fixture(scope="module")
def uploads() -> dict[str, tuple[str, str, dict[str, Any]]]:
    """One private track per runtime, shared by this module's tests (each upload costs a transcode)."""
    return {}


@pytest.fixture
def private_track(
    product: Product, tmp_path_factory: pytest.TempPathFactory, uploads: dict[str, tuple[str, str, dict[str, Any]]]
) -> tuple[str, str, dict[str, Any]]:
    if product.runtime not in uploads:
        uploads[product.runtime] = uploaded(product, tmp_path_factory.mktemp("signed"), visibility="private")
    return uploads[product.runtime]


@pytest.fixture
def player(product: Product) -> Iterator[httpx.Client]:
    """What an <audio> element is: an HTTP client that sends no identity header."""
    with httpx.Client(base_url=product.base, timeout=60) as plain:
        yield plain


def test_every_media_url_is_signed_for_its_reader(private_track: tuple[str, str, dict[str, Any]]) -> None:
    owner, track_id, track = private_track
    urls = [track["original"]["url"], *(r["url"] for r in track["renditions"]), *(c["url"] for c in track["covers"])]
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        assert urlsplit(url).path.startswith(track_prefix(track_id)), url
        assert (query["u"], sorted(query)) == ([owner], ["exp", "kid", "sig", "u", "v"]), url


def test_a_player_without_a_header_plays_a_private_track_by_its_signed_url(
    player: httpx.Client, private_track: tuple[str, str, dict[str, Any]]
) -> None:
    _, track_id, track = private_track
    stream = stream_of(track)
    assert player.get(stream["url"]).status_code == 200
    cover = track["covers"][0]["url"]
    assert (player.get(cover).status_code, player.get(cover).headers["content-type"]) == (200, "image/jpeg")
    assert player.get(f"/v1/tracks/{track_id}/audio/stream").status_code == 404  # unsigned: anonymous


@pytest.mark.parametrize("case", RANGE_CASES, ids=lambda case: case.name)
def test_ranges_and_conditional_requests_on_a_signed_url(
    player: httpx.Client, private_track: tuple[str, str, dict[str, Any]], case: RangeCase
) -> None:
    stream = stream_of(private_track[2])
    whole = player.get(stream["url"])
    check_case(player, stream["url"], whole.content, whole.headers["etag"], case)


def test_head_on_a_signed_url(player: httpx.Client, private_track: tuple[str, str, dict[str, Any]]) -> None:
    stream = stream_of(private_track[2])
    whole = player.get(stream["url"])
    check_head(player, stream["url"], whole.content, whole.headers["etag"], stream["mime_type"])


def test_expired_and_tampered_urls_are_403_with_a_reason(
    product: Product, player: httpx.Client, private_track: tuple[str, str, dict[str, Any]]
) -> None:
    owner, track_id, track = private_track
    path = f"/v1/tracks/{track_id}/audio/stream"
    expired = signer_of(product, ttl_s=1).sign(path, track_prefix(track_id), owner, now=time.time() - 120)
    signed = stream_of(track)["url"]
    other_track = signed.replace(f"/v1/tracks/{track_id}/", "/v1/tracks/someone-elses/")
    for url, reason in [
        (expired, "expired"),
        (signed.replace(f"u={owner}", "u=mallory"), "bad_signature"),
        (signed.replace("exp=", "exp=1"), "bad_signature"),
        (signed.replace("kid=", "kid=x"), "unknown_key"),
        (other_track, "bad_signature"),
        (f"{path}?exp=1&sig=x", "malformed_signature"),
    ]:
        refused = player.get(url)
        assert (refused.status_code, refused.json()["detail"].split(":")[0]) == (403, reason), url


def test_a_signature_grants_no_more_than_its_user_may_see_now(
    product: Product, player: httpx.Client, private_track: tuple[str, str, dict[str, Any]]
) -> None:
    """Visibility is checked at request time: a valid anonymous signature does not open a private track."""
    _, track_id, _ = private_track
    path = f"/v1/tracks/{track_id}/audio/stream"
    anonymous = signer_of(product).sign(path, track_prefix(track_id), None, now=time.time())
    assert player.get(anonymous).status_code == 404
    stranger = signer_of(product).sign(path, track_prefix(track_id), "stranger", now=time.time())
    assert player.get(stranger).status_code == 404


def test_a_url_stops_working_when_its_track_is_removed(product: Product, player: httpx.Client, tmp_path: Path) -> None:
    owner, track_id, track = uploaded(product, tmp_path, visibility="public")
    with httpx.Client(base_url=product.base, timeout=60) as anonymous_api:  # an anonymous listener's URL
        listener_url = stream_of(anonymous_api.get(f"/v1/tracks/{track_id}").json())["url"]
    assert "u=" not in listener_url
    assert player.get(listener_url).status_code == 200
    owner_url = stream_of(track)["url"]
    with client(product, owner) as api:
        removed = api.delete(f"/v1/tracks/{track_id}")
        assert removed.status_code == 200, removed.text
        token = removed.json()["consistency_token"]
        assert api.get(f"/v1/tracks/{track_id}", params={"consistency": token}).status_code == 404
    assert player.get(owner_url).status_code == 404
    assert player.get(listener_url).status_code == 404
