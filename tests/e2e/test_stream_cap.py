"""The per-user cap on concurrent streams over real HTTP (embedded runtime, bodies sent by the API).

The product runs with ``max_streams_per_user=2`` and no linger, so a slot is held exactly while a
body is in flight: the tests hold bodies open by not reading them (a multi-megabyte WAV original
cannot fit in the sockets' buffers), and a stream that ends — read to the end, or left by its
client — frees its slot. The lease (``stream_linger_s``) is covered by tests/unit/test_stream_slots.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CATALOG_LIMITS, Product
from tests.e2e.servers import auth_env, product_env, serve
from tests.e2e.test_track_catalog import upload
from tests.media_files import synth

LISTENER = "cap-listener"
CAP = 2


@pytest.fixture(scope="module")
def capped_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """``tuneton serve`` (embedded) with a cap of two streams per user and no linger."""
    data = tmp_path_factory.mktemp("stream-cap")
    env = product_env(
        {
            "TUNETON_DATA_DIR": str(data / "data"),
            "TUNETON_MAX_STREAMS_PER_USER": str(CAP),
            "TUNETON_STREAM_LINGER_S": "0",
            **CATALOG_LIMITS,
            **auth_env(data / "auth"),
        }
    )
    server, base = serve(env, data / "serve.log")
    yield Product("embedded", base, server, server, env)
    server.stop()


def wav_original(api: httpx.Client, directory: Path, *, tone_hz: int) -> dict[str, Any]:
    """A private track of 30 s of WAV (5 MB: more than the sockets buffer), uploaded by ``api``'s user."""
    path = synth(directory / f"cap-{uuid.uuid4().hex[:8]}.wav", seconds=30, source=f"sine=frequency={tone_hz}")
    created = upload(api, path, visibility="private")
    assert created.status_code == 201, created.text
    body = created.json()
    track = api.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]}).json()
    assert track["original"]["size_bytes"] > 5_000_000
    return dict(track)


@pytest.fixture(scope="module")
def originals(capped_product: Product, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Signed URLs (for LISTENER) of the originals of CAP + 1 private tracks."""
    files = tmp_path_factory.mktemp("cap-songs")
    with httpx.Client(base_url=capped_product.base, headers=capped_product.auth(LISTENER), timeout=120) as api:
        return [wav_original(api, files, tone_hz=300 + 50 * n)["original"]["url"] for n in range(CAP + 1)]


@pytest.fixture
def player(capped_product: Product) -> Iterator[httpx.Client]:
    """An <audio> element: no identity header, signed URLs; each open body gets its own connection."""
    with httpx.Client(base_url=capped_product.base, timeout=60) as plain:
        yield plain


def hold(stack: ExitStack, player: httpx.Client, url: str) -> httpx.Response:
    """Start a body and do not read it: the server stays in the middle of sending it."""
    response = stack.enter_context(player.stream("GET", url))
    assert response.status_code == 200
    return response


def refusals(player: httpx.Client) -> float:
    """The server's ``tuneton_streams_refused_total``."""
    lines = player.get("/metrics").text.splitlines()
    return float(next(line.split()[1] for line in lines if line.startswith("tuneton_streams_refused_total ")))


def eventually(check: Callable[[], bool], *, timeout_s: float = 60) -> None:
    """Wait until ``check`` holds: the server frees a slot when it notices the body ended, not before."""
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "the slot was never freed"
        time.sleep(0.2)


def test_the_stream_beyond_the_cap_is_429_with_retry_after_and_a_precise_body(
    player: httpx.Client, originals: list[str]
) -> None:
    before = refusals(player)
    with ExitStack() as stack:
        for url in originals[:CAP]:
            hold(stack, player, url)
        refused = player.get(originals[CAP])
        assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
        body = refused.json()
        assert body.pop("message")
        assert body == {"reason": "too_many_streams", "limit": CAP, "active": CAP, "retry_after_s": 1}
    assert refusals(player) == before + 1


def test_more_ranges_of_a_playing_track_heads_and_416_do_not_count(player: httpx.Client, originals: list[str]) -> None:
    with ExitStack() as stack:
        for url in originals[:CAP]:
            hold(stack, player, url)
        ranges = [player.get(originals[0], headers={"Range": f"bytes={n * 1000}-{n * 1000 + 99}"}) for n in range(4)]
        assert [r.status_code for r in ranges] == [206] * 4
        assert player.head(originals[CAP]).status_code == 200  # no body, no slot
        assert player.get(originals[CAP], headers={"Range": "bytes=99999999-"}).status_code == 416  # nor here


def test_a_finished_stream_frees_its_slot(player: httpx.Client, originals: list[str]) -> None:
    with ExitStack() as stack:
        first, _ = (hold(stack, player, url) for url in originals[:CAP])
        assert player.get(originals[CAP]).status_code == 429
        assert len(first.read()) > 5_000_000  # the first stream plays to its end
        eventually(lambda: player.get(originals[CAP]).status_code == 200)


def test_a_stream_its_client_leaves_frees_its_slot(player: httpx.Client, originals: list[str]) -> None:
    with ExitStack() as stack:
        first, _ = (hold(stack, player, url) for url in originals[:CAP])
        assert player.get(originals[CAP]).status_code == 429
        first.close()  # the player goes away mid-body (the connection is dropped)
        eventually(lambda: player.get(originals[CAP]).status_code == 200)


def test_every_stream_route_documents_the_429(capped_product: Product) -> None:
    paths = httpx.get(f"{capped_product.base}/openapi.json", timeout=30).json()["paths"]
    for path in ("/v1/tracks/{track_id}/audio/{name}", "/v1/renders/{asset_key}/files/{name}"):
        answer = paths[path]["get"]["responses"]["429"]
        schema = answer["content"]["application/json"]["schema"]  # the cap's body, or the gateway's rate limit's
        assert [ref["$ref"].rsplit("/", 1)[1] for ref in schema["anyOf"]] == ["TooManyStreamsProblem", "Problem"]
        assert "Retry-After" in answer["headers"]
    cover = paths["/v1/tracks/{track_id}/covers/{size}.{ext}"]["get"]["responses"]["429"]  # the gateway's only
    assert cover["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
