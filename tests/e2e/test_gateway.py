"""Through the real nginx gateway (infra/gateway) in front of a real ``tuneton serve``.

TLS and HTTP/2, every route, 429 under a burst per IP (per user: test_gateway_fuzzing.py, with the
gateway's other answers of its own and the fuzz run), 413 on an oversized body, the security headers,
SSE passing unbuffered, huge headers and slow bodies cut off, media offload (the API answers
``X-Accel-Redirect`` and nginx sends the bytes with the same Range semantics), the cache of the API's
media authorization (a second identical request never reaches the API; another caller's credential,
an expired signature and a removed track never ride on it), and the per-user cap on open audio
requests while nginx sends the bodies.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import CATALOG_LIMITS, Product
from tests.e2e.media_http import RANGE_CASES, RangeCase, check_case, check_head
from tests.e2e.servers import Process, auth_env, free_port, product_env, wait_ready
from tests.e2e.test_render_reads import (
    INIT,
    SEGMENT,
    Render,
    completed,
    playlist,
    progressed,
    rendering,
    requested,
    sse,
    unsigned_playlist,
)  # fmt: skip
from tests.e2e.test_signed_media import signer_of
from tests.e2e.test_stream_cap import eventually, hold, wav_original
from tests.e2e.test_track_catalog import song, upload
from tests.fixtures.gateway import Gateway
from tuneton.auth.media_urls import track_prefix

CSP_NEEDS = (
    "script-src 'self' https://telegram.org blob: 'wasm-unsafe-eval'",  # the Mini App's pitch/tempo preview
    "frame-ancestors https://web.telegram.org https://*.telegram.org",
)


@pytest.fixture(scope="module")
def offload_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """``tuneton serve`` (embedded) that hands media bytes to the gateway (X-Accel-Redirect)."""
    data = tmp_path_factory.mktemp("offload")
    env = product_env(
        {
            "TUNETON_DATA_DIR": str(data / "data"),
            "TUNETON_MEDIA_OFFLOAD": "x-accel",
            **CATALOG_LIMITS,
            **auth_env(data / "auth"),  # Product.auth mints tokens with these keys
        }
    )
    port = free_port()
    server = Process([sys.executable, "-m", "tuneton.cli", "serve", "--port", str(port)], env, data / "serve.log")
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, server.start(), timeout_s=300)  # a shared 2-core machine can take minutes to start it
    yield Product("embedded", base, server, server, env)
    server.stop()


@pytest.fixture(scope="module")
def gateway(offload_product: Product, gateway_factory: Callable[..., Gateway]) -> Gateway:
    """The gateway with roomy limits (the tests' own requests must never be throttled), short timeouts."""
    return gateway_factory(
        offload_product.base.removeprefix("http://"),
        blob_dir=str(offload_product.data_dir / "blobs" / "blobs"),
        rate_ip="1000r/s", burst_ip="1000", rate_user="1000r/s", burst_user="1000", burst_media="1000",
        header_timeout="2s", body_timeout="2s", upload_max="16m", media_offload="x-accel", media_cache_header="on",
    )  # fmt: skip


def tls(gateway: Gateway) -> ssl.SSLContext:
    return gateway.trust()


@contextmanager
def tls_socket(gateway: Gateway, *, timeout_s: float, alpn: list[str] | None = None) -> Iterator[ssl.SSLSocket]:
    """A raw TLS connection to the gateway, for what no client library would send or show."""
    context = tls(gateway)
    if alpn:
        context.set_alpn_protocols(alpn)
    port = int(gateway.base.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as conn,
    ):
        yield conn


@pytest.fixture
def api(gateway: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway.base, verify=tls(gateway), timeout=60, headers={"X-Tuneton-User": "gw"}) as c:
        yield c


@pytest.fixture(scope="module")
def track(offload_product: Product, gateway: Gateway, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A private track uploaded through the gateway (a multi-megabyte body: uploads keep their limit)."""
    path = song(tmp_path_factory.mktemp("gw"), word=f"g{uuid.uuid4().hex[:8]}", seconds=90)
    assert path.stat().st_size > 1024 * 1024
    with httpx.Client(base_url=gateway.base, verify=tls(gateway), timeout=120, headers={"X-Tuneton-User": "gw"}) as c:
        created = upload(c, path, visibility="private")
        assert created.status_code == 201, created.text
        body = created.json()
        found = c.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]})
        return dict(found.json())


def test_tls_handshake_negotiates_http2(gateway: Gateway) -> None:
    port = int(gateway.base.rsplit(":", 1)[1])
    with tls_socket(gateway, timeout_s=10, alpn=["h2", "http/1.1"]) as conn:
        assert conn.selected_alpn_protocol() == "h2"
        assert conn.version() in {"TLSv1.2", "TLSv1.3"}
    seen = subprocess.run(
        ["curl", "-s", "-o", "/dev/null", "-w", "%{http_version}", "--http2", "--cacert", str(gateway.cert),
         f"https://localhost:{port}/healthz", "--resolve", f"localhost:{port}:127.0.0.1"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert seen.stdout == "2"


def test_plain_http_redirects_to_https(gateway: Gateway) -> None:
    answer = httpx.get(f"{gateway.plain}/v1/search?q=x", timeout=10)
    assert (answer.status_code, answer.headers["location"]) == (301, f"{gateway.base}/v1/search?q=x")


def test_each_route_reaches_the_api(api: httpx.Client, track: dict[str, Any]) -> None:
    assert api.get("/healthz").json() == {"status": "ok"}
    assert api.get("/v1/search", params={"q": "zz"}).status_code == 200  # query API
    created = api.post("/v1/playlists", json={"name": "via gateway"})  # command API
    assert created.status_code == 201, created.text
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    media = api.get(stream["url"], headers={"Range": "bytes=0-99"})  # media (offloaded)
    assert (media.status_code, len(media.content)) == (206, 100)
    cover = api.get(track["covers"][0]["url"])
    assert (cover.status_code, cover.headers["content-type"]) == (200, "image/jpeg")
    app = api.get("/")  # the Mini App, from the app server (make test builds it first)
    assert (app.status_code, app.headers["content-type"].split(";")[0]) == (200, "text/html")
    assert api.get("/metrics").status_code == 404  # not exposed at the edge
    assert api.get("/openapi.json").json()["info"]["title"] == "tuneTON API"


def test_json_is_gzipped(api: httpx.Client) -> None:
    answer = api.get("/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert (answer.headers["content-encoding"], answer.headers["vary"]) == ("gzip", "Accept-Encoding")


def test_security_headers_on_api_media_and_refusals(api: httpx.Client, track: dict[str, Any]) -> None:
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    answers = [api.get("/v1/search"), api.get(stream["url"]), api.get(f"/v1/tracks/{track['track_id']}/audio/nope")]
    for answer in answers:
        csp = answer.headers["content-security-policy"]
        assert all(part in csp for part in CSP_NEEDS), csp
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        assert "x-frame-options" not in answer.headers  # it would forbid Telegram's clients; CSP decides


def test_an_oversized_json_body_is_413_before_the_api(api: httpx.Client) -> None:
    huge = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    refused = api.post("/v1/playlists", content=huge, headers={"content-type": "application/json"})
    assert (refused.status_code, refused.json()["detail"].split(":")[0]) == (413, "too_large")


def test_sse_passes_unbuffered(offload_product: Product, api: httpx.Client) -> None:
    render = Render(offload_product)
    token = render.append(requested(render))
    events = f"/v1/renders/{render.key}/events?consistency={token}"
    with api.stream("GET", events, headers={"X-Tuneton-User": "x"}) as stream:
        frames = sse(stream)
        kind, data = next(frames)  # arrives while the render is still queued: the stream is open
        assert (kind, data["status"]) == ("progress", "queued")
        files = {"init.mp4": INIT, "seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(2, ended=True)}
        render.append(progressed(render.key, 1), completed(render.key), files=files)
        assert [kind for kind, _ in frames][-1] == "ready"


@pytest.mark.parametrize("case", RANGE_CASES, ids=lambda case: case.name)
def test_offloaded_media_keeps_range_and_conditional_semantics(
    api: httpx.Client, track: dict[str, Any], case: RangeCase
) -> None:
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    whole = api.get(stream["url"])
    assert len(whole.content) == stream["size_bytes"]
    check_case(api, stream["url"], whole.content, whole.headers["etag"], case)


def test_offloaded_head_and_the_api_s_own_answer(
    offload_product: Product, api: httpx.Client, track: dict[str, Any]
) -> None:
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    whole = api.get(stream["url"])
    check_head(api, stream["url"], whole.content, whole.headers["etag"], stream["mime_type"])
    direct = httpx.get(offload_product.base + stream["url"], timeout=30)  # behind the gateway: no bytes
    assert direct.headers["x-accel-redirect"].startswith("/_tuneton_blobs/")
    assert direct.content == b""


def test_a_burst_from_one_ip_gets_429_with_retry_after(
    offload_product: Product, gateway_factory: Callable[..., Gateway]
) -> None:
    tight = gateway_factory(offload_product.base.removeprefix("http://"), rate_ip="1r/s", burst_ip="3")
    statuses = burst(tight, 20, lambda n: {})
    assert 200 in statuses
    assert statuses.count(429) >= 10, statuses
    limited = httpx.get(f"{tight.base}/v1/search", verify=tls(tight), timeout=10)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    assert all(part in limited.headers["content-security-policy"] for part in CSP_NEEDS)


def burst(gateway: Gateway, count: int, headers: Callable[[int], dict[str, str]]) -> list[int]:
    """Statuses of ``count`` concurrent GETs (one HTTP/2 connection)."""

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=gateway.base, verify=tls(gateway), timeout=30) as client:
            answers = await asyncio.gather(*(client.get("/v1/search", headers=headers(n)) for n in range(count)))
        return [answer.status_code for answer in answers]

    return asyncio.run(run())


def test_huge_headers_are_refused_cleanly(api: httpx.Client) -> None:
    refused = api.get("/v1/search", headers={"X-Big": "x" * 40_000})
    assert (refused.status_code, refused.headers["content-type"]) == (431, "application/json")


def test_an_overlong_request_line_is_a_documented_414(api: httpx.Client) -> None:
    """A request line beyond nginx's buffers (a 20 kB query) is refused by the gateway as 414 URI Too Long,
    in the API's problem shape, and 414 is in every operation's documented answers."""
    refused = api.get("/v1/tracks", params={"artist": "a" * 20_000})
    assert (refused.status_code, refused.headers["content-type"]) == (414, "application/json"), refused.text
    assert refused.json()["detail"].split(":")[0] == "uri_too_long"
    documented = api.get("/openapi.json").json()["paths"]["/v1/tracks"]["get"]["responses"]
    assert "414" in documented


def raw_exchange(gateway: Gateway, request: bytes) -> tuple[int, bytes, bytes]:
    """Send ``request`` as written (no client library would send a broken one) over TLS and HTTP/1.1, and
    read the whole answer (nginx closes after a refusal): its status, its headers and its body."""
    with tls_socket(gateway, timeout_s=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.lower(), body


@pytest.mark.parametrize(
    "request_line",
    [b"GET /v1/search?q=a b c HTTP/1.1", b"GET /%00 HTTP/1.1", b"NOT-HTTP", b"GET /" + b"a" * 20_000 + b" HTTP/1.1"],
    ids=["spaces", "encoded-nul", "not-http", "20-kB"],
)
def test_a_broken_request_line_is_refused_in_json_never_a_500(gateway: Gateway, request_line: bytes) -> None:
    """nginx refuses these before it has a URI: its answer must still be the API's JSON problem (400 or 414),
    not the HTML 500 of an error page that could not be reached."""
    status, head, body = raw_exchange(gateway, request_line + b"\r\nHost: localhost\r\n\r\n")
    assert status == (414 if len(request_line) > 16 * 1024 else 400), body[:200]
    assert b"content-type: application/json" in head
    assert json.loads(body)["detail"].split(":")[0] == ("uri_too_long" if status == 414 else "bad_request")


def test_a_slow_body_is_cut_off(gateway: Gateway) -> None:
    with tls_socket(gateway, timeout_s=30) as conn:
        conn.sendall(b"POST /v1/playlists HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     b"X-Tuneton-User: slow\r\nContent-Length: 100\r\n\r\n{")  # fmt: skip
        answer = conn.recv(4096)  # client_body_timeout (2 s here) ends it; the socket timeout would raise
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:80]


def offloading_gateway(product: Product, gateway_factory: Callable[..., Gateway], **settings: str) -> Gateway:
    """Another gateway in front of the offloading product, told it offloads (``settings``: ``gateway_factory``'s)."""
    blob_dir = str(product.data_dir / "blobs" / "blobs")
    upstream = product.base.removeprefix("http://")
    return gateway_factory(upstream, blob_dir=blob_dir, **{"media_offload": "x-accel", **settings})


def test_a_user_s_open_audio_requests_are_capped_while_nginx_sends_them(
    offload_product: Product, gateway_factory: Callable[..., Gateway], tmp_path_factory: pytest.TempPathFactory
) -> None:
    capped = offloading_gateway(offload_product, gateway_factory, stream_conn_per_user="2", burst_media="1000")
    with httpx.Client(base_url=offload_product.base, headers={"X-Tuneton-User": "gw-streams"}, timeout=120) as api:
        track = wav_original(api, tmp_path_factory.mktemp("gw-streams"), tone_hz=520)
    url = track["original"]["url"]  # signed for gw-streams: one playback, so the API's own cap never refuses it
    with httpx.Client(base_url=capped.base, verify=tls(capped), timeout=60) as player, ExitStack() as stack:
        first, _ = (hold(stack, player, url) for _ in range(2))  # bodies nginx is sending, unread
        refused = player.get(url, headers={"Range": "bytes=0-99"})
        assert (refused.status_code, refused.headers["retry-after"]) == (429, "5")
        assert (refused.json()["reason"], refused.json()["limit"]) == ("too_many_streams", 2)
        assert player.get(track["covers"][0]["url"]).status_code == 200  # covers are not streams
        assert len(first.read()) == track["original"]["size_bytes"]
        eventually(lambda: player.get(url, headers={"Range": "bytes=0-99"}).status_code == 206)


def audio_requests(product: Product) -> int:
    """Audio requests the API has answered (its /metrics, read directly): what the gateway did not spare it."""
    lines = httpx.get(f"{product.base}/metrics", timeout=30).text.splitlines()
    counts = [line for line in lines if line.startswith("tuneton_http_request_seconds_count") and "/audio/" in line]
    return sum(int(float(line.rsplit(" ", 1)[1])) for line in counts)


def fresh_url(product: Product, track_id: str, user: str | None, *, now: float | None = None) -> str:
    """A signed stream URL no earlier request used (a unique parameter the API ignores): the cache is cold for it."""
    path = f"/v1/tracks/{track_id}/audio/stream?n={uuid.uuid4().hex}"
    return signer_of(product).sign(path, track_prefix(track_id), user, now=time.time() if now is None else now)


def test_the_api_s_media_authorization_is_cached_per_url(
    offload_product: Product, api: httpx.Client, track: dict[str, Any]
) -> None:
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    url = fresh_url(offload_product, track["track_id"], "gw")
    first = api.get(url, headers={"Range": "bytes=0-99"})
    asked = audio_requests(offload_product)
    again = api.get(url, headers={"Range": "bytes=100-199"})
    assert audio_requests(offload_product) == asked  # the second one never reached the API
    assert (first.status_code, first.headers["x-tuneton-media-cache"]) == (206, "MISS")
    assert (again.status_code, again.headers["x-tuneton-media-cache"]) == (206, "HIT")
    whole = api.get(url).content
    assert (first.content, again.content) == (whole[:100], whole[100:200])
    direct = httpx.get(offload_product.base + url, timeout=30)  # what the API itself answers
    for answer in (first, again):  # the file is sent with the API's headers, once each
        assert answer.headers.get_list("content-type") == [stream["mime_type"]]
        assert answer.headers.get_list("etag") == [direct.headers["etag"]]
        assert answer.headers.get_list("cache-control") == [direct.headers["cache-control"]]
        assert answer.headers["content-range"].startswith("bytes ")
        assert "last-modified" not in answer.headers


def test_another_caller_never_rides_on_a_cached_authorization(
    offload_product: Product, gateway: Gateway, track: dict[str, Any]
) -> None:
    track_id = track["track_id"]
    unsigned = f"/v1/tracks/{track_id}/audio/stream?probe={uuid.uuid4().hex}"  # the dev header decides who
    with httpx.Client(base_url=gateway.base, verify=tls(gateway), timeout=60) as player:
        owner = {"X-Tuneton-User": "gw", "Range": "bytes=0-9"}
        assert [player.get(unsigned, headers=owner).headers["x-tuneton-media-cache"] for _ in range(2)] == [
            "MISS", "HIT",
        ]  # fmt: skip
        for stranger in ({"X-Tuneton-User": "stranger"}, {}, {"Authorization": "Bearer forged"}):
            refused = player.get(unsigned, headers={**stranger, "Range": "bytes=0-9"})
            assert refused.status_code in {401, 404}, (stranger, refused.status_code)
            assert "x-tuneton-media-cache" not in refused.headers  # the API's own answer, not the cache's
        signed = fresh_url(offload_product, track_id, "gw")
        assert player.get(signed, headers={"Range": "bytes=0-9"}).headers["x-tuneton-media-cache"] == "MISS"
        assert player.get(signed, headers={"Range": "bytes=0-9"}).headers["x-tuneton-media-cache"] == "HIT"
        for user in ("stranger", None):  # a signature minted for somebody else names another URL
            assert player.get(fresh_url(offload_product, track_id, user)).status_code == 404
        tampered = signed.replace("u=gw", "u=stranger")
        assert player.get(tampered).status_code == 403


def test_an_expired_signature_is_403_every_time(
    offload_product: Product, gateway: Gateway, track: dict[str, Any]
) -> None:
    expired = fresh_url(offload_product, track["track_id"], "gw", now=time.time() - 7200)
    with httpx.Client(base_url=gateway.base, verify=tls(gateway), timeout=60) as player:
        before = audio_requests(offload_product)
        for _ in range(3):
            refused = player.get(expired, headers={"Range": "bytes=0-9"})
            assert (refused.status_code, refused.json()["detail"].split(":")[0]) == (403, "expired")
        assert audio_requests(offload_product) >= before + 3  # asked every time: a refusal is never cached


def test_a_removed_track_stops_playing_once_its_cached_authorization_expires(
    offload_product: Product, gateway_factory: Callable[..., Gateway], tmp_path_factory: pytest.TempPathFactory
) -> None:
    short = offloading_gateway(offload_product, gateway_factory, media_auth_cache="2s", media_cache_header="on")
    with httpx.Client(base_url=offload_product.base, headers={"X-Tuneton-User": "gw-gone"}, timeout=120) as owner:
        created = upload(owner, song(tmp_path_factory.mktemp("gw-gone"), word=f"r{uuid.uuid4().hex[:8]}"))
        assert created.status_code == 201, created.text
        body = created.json()
        found = owner.get(f"/v1/tracks/{body['track_id']}", params={"consistency": body["consistency_token"]}).json()
        url = next(r for r in found["renditions"] if r["name"] == "stream")["url"]
        with httpx.Client(base_url=short.base, verify=tls(short), timeout=60) as player:
            assert [player.get(url).headers["x-tuneton-media-cache"] for _ in range(2)] == ["MISS", "HIT"]
            removed = owner.delete(f"/v1/tracks/{body['track_id']}")
            assert removed.status_code == 200, removed.text
            eventually(lambda: player.get(url).status_code == 404, timeout_s=60)
            assert player.get(url).status_code == 404


def test_without_x_accel_the_gateway_asks_the_api_every_time(
    offload_product: Product, gateway_factory: Callable[..., Gateway], track: dict[str, Any]
) -> None:
    """A gateway told the API sends bytes itself (or redirects to S3) never asks twice per request."""
    plain = offloading_gateway(offload_product, gateway_factory, media_offload="none", media_cache_header="on")
    url = fresh_url(offload_product, track["track_id"], "gw")
    with httpx.Client(base_url=plain.base, verify=tls(plain), timeout=60) as player:
        before = audio_requests(offload_product)
        answers = [player.get(url, headers={"Range": "bytes=0-9"}) for _ in range(2)]
        assert audio_requests(offload_product) == before + 2  # one API request each, no subrequest
    assert [(a.status_code, len(a.content)) for a in answers] == [(206, 10), (206, 10)]
    assert not [a for a in answers if "x-tuneton-media-cache" in a.headers]


def test_hls_files_through_the_cached_gateway(offload_product: Product, api: httpx.Client) -> None:
    """The playlist (rewritten per request: no X-Accel-Redirect) is the API's own answer; segments and the
    init section are files nginx sends on a cached authorization, with the types and ranges the API gives."""
    base = f"/v1/renders/{rendering(offload_product, api).key}/files"
    growing = api.get(f"{base}/playlist.m3u8")
    assert (growing.status_code, growing.headers["content-type"]) == (200, "application/vnd.apple.mpegurl")
    assert unsigned_playlist(growing.content) == playlist(1)
    assert "x-tuneton-media-cache" not in growing.headers
    assert api.get(f"{base}/playlist.m3u8", headers={"If-None-Match": growing.headers["etag"]}).status_code == 304
    segments = [api.get(f"{base}/seg_00000.m4s", headers={"Range": "bytes=10-19"}) for _ in range(2)]
    assert [s.headers["x-tuneton-media-cache"] for s in segments] == ["MISS", "HIT"]
    for segment in segments:
        assert (segment.status_code, segment.content, segment.headers["content-type"]) == (
            206,
            SEGMENT[10:20],
            "audio/mp4",
        )
        assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    init = api.get(f"{base}/init.mp4")
    assert (init.status_code, init.content, init.headers["content-type"]) == (200, INIT, "audio/mp4")
    refused = api.get(f"{base}/seg_00000.m4s", headers={"Range": "bytes=99999-"})
    assert (refused.status_code, refused.headers["content-range"]) == (416, f"bytes */{len(SEGMENT)}")


def test_over_http2_a_cached_media_answer_has_the_api_s_headers_once(
    offload_product: Product, gateway: Gateway, track: dict[str, Any]
) -> None:
    """What a browser sees (HTTP/2): nginx's own Content-Type is blanked so the API's is the only one."""
    port = int(gateway.base.rsplit(":", 1)[1])
    url = fresh_url(offload_product, track["track_id"], "gw")
    stream = next(r for r in track["renditions"] if r["name"] == "stream")
    heads = []
    for _ in range(2):
        seen = subprocess.run(
            ["curl", "-s", "-o", "/dev/null", "-D", "-", "--http2", "--cacert", str(gateway.cert), "-H",
             "Range: bytes=0-9", f"https://localhost:{port}{url}", "--resolve", f"localhost:{port}:127.0.0.1"],
            capture_output=True, text=True, timeout=30, check=True,
        )  # fmt: skip
        heads.append([line.strip().lower() for line in seen.stdout.splitlines() if line.strip()])
    for head, cache in zip(heads, ("miss", "hit"), strict=True):
        assert head[0] == "http/2 206", head
        assert [line for line in head if line.startswith("content-type:")] == [f"content-type: {stream['mime_type']}"]
        assert len([line for line in head if line.startswith("etag:")]) == 1
        assert f"x-tuneton-media-cache: {cache}" in head
