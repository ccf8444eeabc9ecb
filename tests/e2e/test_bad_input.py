"""Malformed and hostile input gets a precise 4xx on both runtimes, never a 500 (issue 9's defects).

Bodies are sent as raw bytes where JSON allows what Python's encoder would not write (NaN, a
401-digit number), and through a raw socket where the point is what the server does before reading.
"""

from __future__ import annotations

import contextlib
import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.callers import anonymous, client
from tests.e2e.conftest import Product
from tests.media_files import real_song

JSON = {"content-type": "application/json"}
BIG_INT = "9" * 401
OVER_INT64 = str(2**63)


def strict_json(response: httpx.Response) -> Any:
    """The body as strict JSON: NaN or Infinity in an answer is itself a defect."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in a response body")

    return json.loads(response.text, parse_constant=refuse)


def raw_exchange(product: Product, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
    """Send ``head`` (request line and headers) and ``body`` on a socket; return status and response bytes."""
    url = urlsplit(product.base)
    with socket.create_connection((url.hostname, url.port), timeout=60) as sock:
        # The server may answer and close before taking the whole body: that is the point.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer) < answer.index(b"\r\n\r\n") + 4 + _length(answer):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


@pytest.mark.parametrize(
    "body",
    [
        '{"semitones": 1e308}',
        '{"semitones": -1e308}',
        f'{{"semitones": {BIG_INT}}}',
        f'{{"tempo": {BIG_INT}}}',
        f'{{"pitch_cents": -{BIG_INT}}}',
        '{"tempo": NaN}',
        '{"semitones": Infinity}',
        '{"tempo": [NaN]}',
    ],
)
def test_render_numbers_that_overflow_are_precise_422s(product: Product, body: str) -> None:
    with client(product, f"n-{uuid.uuid4().hex[:8]}") as api:
        answer = api.post("/v1/tracks/any-track/renders", content=body, headers=JSON)
    assert answer.status_code == 422, answer.text
    refused = strict_json(answer)
    assert refused["reason"] == "invalid_parameter"
    assert refused["field"] == next(iter(json.loads(body)))
    assert len(answer.content) < 1000  # the 401 digits are not echoed back


COMMAND_BODIES = [
    ("POST", "/v1/playlists"),
    ("PUT", "/v1/playlists/p/name"),
    ("PUT", "/v1/playlists/p/description"),
    ("PUT", "/v1/playlists/p/visibility"),
    ("POST", "/v1/playlists/p/items"),
    ("POST", "/v1/playlists/p/items/i/move"),
    ("PUT", "/v1/users/me"),
    ("PATCH", "/v1/users/me"),
    ("PATCH", "/v1/tracks/t"),
    ("POST", "/v1/tracks/t/renders"),
]


@pytest.mark.parametrize(("method", "path"), COMMAND_BODIES)
def test_nan_and_infinity_in_a_refused_body_are_a_422(product: Product, method: str, path: str) -> None:
    with client(product, f"n-{uuid.uuid4().hex[:8]}") as api:
        answer = api.request(method, path, content='{"name": NaN, "unknown": -Infinity}', headers=JSON)
    assert answer.status_code == 422, answer.text
    assert strict_json(answer)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p in COMMAND_BODIES if not p.endswith("/renders")])
def test_an_unknown_field_is_refused_and_named(product: Product, method: str, path: str) -> None:
    with client(product, f"x-{uuid.uuid4().hex[:8]}") as api:
        answer = api.request(method, path, json={"nmae": "typo"})
    assert answer.status_code == 422, answer.text
    issues = strict_json(answer)["detail"]
    assert {"type": "extra_forbidden", "loc": ["body", "nmae"]}.items() <= next(
        issue for issue in issues if issue["type"] == "extra_forbidden"
    ).items()


def test_an_unknown_field_records_nothing(product: Product) -> None:
    user = f"x-{uuid.uuid4().hex[:8]}"
    with client(product, user) as api:
        answer = api.post("/v1/playlists", json={"name": "Road trip", "visiblity": "public"})
        assert answer.status_code == 422
        assert api.get("/v1/me/playlists").json()["count"] == 0


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/v1/tracks", "offset"),
        ("/v1/me/playlists", "offset"),
        ("/v1/public/playlists", "offset"),
        ("/v1/playlists/p", "items_offset"),
        ("/v1/public/playlists/p", "items_offset"),
    ],
)
@pytest.mark.parametrize("value", [OVER_INT64, BIG_INT])
def test_offsets_beyond_64_bits_are_422s(product: Product, path: str, name: str, value: str) -> None:
    with client(product, "reader") as api:
        answer = api.get(path, params={name: value})
    assert answer.status_code == 422, answer.text
    (issue,) = strict_json(answer)["detail"]
    assert issue["loc"] == ["query", name]
    assert issue["type"] == "less_than_equal"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/me/session/position", {"device_id": "d", "item_id": "i"}),
        ("/v1/me/session/pause", {"device_id": "d"}),
        ("/v1/me/session/rendition", {"device_id": "d", "item_id": "i", "asset_key": None}),
    ],
)
def test_positions_beyond_64_bits_are_422s(product: Product, path: str, body: dict[str, Any]) -> None:
    """2^63 ms was an OverflowError encoding the event: a 500 (found by fuzzing through the gateway)."""
    with client(product, f"p-{uuid.uuid4().hex[:8]}") as api:
        answer = api.post(path, content=json.dumps({**body, "position_ms": 2**63}), headers=JSON)
    assert answer.status_code == 422, answer.text
    (issue,) = strict_json(answer)["detail"]
    assert (issue["loc"], issue["type"]) == (["body", "position_ms"], "less_than_equal")


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "loc"),
    [
        ("POST", "/v1/me/queue/items", None, {"track_ids": ["a\u0000b"]}, ["body", "track_ids", 0]),
        ("POST", "/v1/me/session/pause", None, {"device_id": "ph\u0000one"}, ["body", "device_id"]),
        ("GET", "/v1/tracks/a%00b", None, None, ["path", "track_id"]),
        ("GET", "/v1/search", {"q": "a\u0000b"}, None, ["query", "q"]),
    ],
)
def test_nul_in_text_is_a_422_on_both_runtimes(
    product: Product, method: str, path: str, params: dict[str, str] | None, body: Any, loc: list[Any]
) -> None:
    """PostgreSQL text cannot hold U+0000: an id with one was a 500 on Kafka (fuzzing through the gateway)."""
    with client(product, f"n-{uuid.uuid4().hex[:8]}") as api:
        content = json.dumps(body) if body is not None else None
        answer = api.request(method, path, params=params, content=content, headers=JSON if body else None)
    assert answer.status_code == 422, answer.text
    issues = strict_json(answer)["detail"]
    assert [(i["loc"], i["type"]) for i in issues] == [(loc, "string_nul")]


def test_a_100_mb_body_is_refused_before_it_is_read(product: Product) -> None:
    declared = 100 * 1024 * 1024
    head = (
        f"POST /v1/playlists HTTP/1.1\r\nHost: x\r\nX-Tuneton-User: big\r\nContent-Type: application/json\r\n"
        f"Content-Length: {declared}\r\n\r\n"
    ).encode()
    status, answer = raw_exchange(product, head, b'{"name": "' + b"x" * 65536)
    assert status == 413
    assert b"limit of 262144 bytes" in answer
    assert len(answer) < 2000


def test_a_chunked_body_is_cut_off_at_the_limit(product: Product) -> None:
    sent = 0

    def chunks() -> Iterator[bytes]:
        nonlocal sent
        yield b'{"name": "'
        for _ in range(100):  # 100 x 64 KiB = 6.4 MB offered; the limit is 256 KiB
            sent += 65536
            yield b"x" * 65536

    with client(product, "chunky") as api:
        try:
            answer = api.post("/v1/playlists", content=chunks(), headers=JSON)
        except httpx.HTTPError:
            pytest.fail("the server should answer 413, not drop the connection")
    assert answer.status_code == 413, answer.text
    assert "limit" in strict_json(answer)["detail"]


def test_a_422_never_echoes_a_large_input(product: Product) -> None:
    with client(product, "echo") as api:
        answer = api.post("/v1/playlists", json={"name": "y" * 200_000})
    assert answer.status_code == 422
    (issue,) = strict_json(answer)["detail"]
    assert issue["type"] == "string_too_long"
    assert issue["input"].startswith("yyy")
    assert len(answer.content) < 1000


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested 100,000 deep"),
        (b'{"name": "\xff\xfe"}', "invalid UTF-8"),
        (b'{"name": "\xed\xa0\x80"}', "an encoded surrogate"),
        (b'{"name": "a\\ud800b"}', "an escaped lone surrogate"),
        (b'{"name": "x", "description": "\\udfff"}', "a lone low surrogate in another field"),
        (b'{"name": "x"', "cut short"),
        (b"\x00" * 64, "binary"),
    ],
)
def test_malformed_json_is_a_4xx(product: Product, content: bytes, why: str) -> None:
    with client(product, "malformed") as api:
        answer = api.post("/v1/playlists", content=content, headers=JSON)
    assert 400 <= answer.status_code < 500, f"{why}: {answer.status_code} {answer.text[:200]}"
    assert strict_json(answer)


def test_huge_headers_are_a_431(product: Product) -> None:
    head = b"GET /v1/public/playlists HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 1_000_000 + b"\r\n\r\n"
    status, answer = raw_exchange(product, head)
    assert status == 431
    assert len(answer) < 1000


def test_a_huge_identity_header_is_a_4xx(product: Product) -> None:
    with anonymous(product) as api:
        answer = api.post("/v1/playlists", json={"name": "x"}, headers={"X-Tuneton-User": "u" * 20_000})
    assert 400 <= answer.status_code < 500


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/v1/tracks/t", "GET, PATCH, DELETE"),
        ("PUT", "/v1/search", "GET"),
        ("DELETE", "/v1/renders/" + "a" * 64 + "/files/playlist.m3u8", "GET, HEAD"),
        ("GET", "/v1/tracks/t/renders", "POST"),
    ],
)
def test_405_names_every_allowed_method(product: Product, method: str, path: str, allow: str) -> None:
    with anonymous(product) as api:
        answer = api.request(method, path)
    assert answer.status_code == 405
    assert answer.headers["allow"] == allow


def test_every_operation_id_is_unique(product: Product) -> None:
    with anonymous(product) as api:
        paths = api.get("/openapi.json").json()["paths"]
    ids = [operation["operationId"] for item in paths.values() for operation in item.values()]
    assert len(ids) == len(set(ids))
    assert len(ids) > 30


def test_the_first_30_kb_of_an_ogg_song_is_refused_and_nothing_is_stored(product: Product, tmp_path: Path) -> None:
    from tests.e2e.test_track_catalog import stored_blobs, track_events

    song = real_song(tmp_path / "song.ogg", encoding="ogg")
    before_blobs, before_events = stored_blobs(product), track_events(product)
    with client(product, f"cut-{uuid.uuid4().hex[:8]}") as api:
        answer = api.post(
            "/v1/tracks",
            params={"visibility": "public"},
            files={"file": ("song.ogg", song.read_bytes()[:30_000], "audio/ogg")},
        )
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "truncated"
    assert "Ogg page" in answer.json()["message"]
    assert stored_blobs(product) == before_blobs
    assert track_events(product) == before_events
