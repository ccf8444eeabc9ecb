"""Reading renders over HTTP: status, the SSE progress stream, files, positions and visibility.

The render processor is not needed: the tests append render (and track) events to the product's event
log with the real codec, as the decider would, put small files in its blob store, and read through the
query API, waiting on consistency tokens like a client would.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.unit.render_samples import ASSET, PARAMS, SOURCE
from tests.unit.test_track_decider import INGESTED
from tuneton.bootstrap import build_runtime
from tuneton.domain.render import events as e
from tuneton.domain.render.values import FailureReason, RenderedAsset
from tuneton.domain.track.values import Visibility
from tuneton.events.consistency import ConsistencyToken
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import OutgoingRecord

OWNER, STRANGER = "render-owner", "render-stranger"
INIT, SEGMENT, MP3 = b"\x00\x00\x00\x18ftypiso6" + bytes(16), bytes(range(256)) * 4, b"ID3" + bytes(997)


class Render:
    """One render stream (a fresh asset key, of a fresh track) that a test writes events and files for."""

    def __init__(self, product: Product, *, visibility: Visibility = Visibility.PUBLIC) -> None:
        self.product = product
        self.key = uuid.uuid4().hex + uuid.uuid4().hex
        self.track_id = f"render-track-{uuid.uuid4().hex[:8]}"
        self.version = 0
        track = replace(INGESTED, owner_id=OWNER, visibility=visibility)
        token = asyncio.run(self._inject([("track", self.track_id, 1, track)], {}))
        seen = httpx.get(f"{product.base}/v1/tracks/{self.track_id}", params={"consistency": token},
                         headers=product.auth(OWNER), timeout=60)  # fmt: skip
        assert seen.status_code == 200, seen.text

    def append(self, *events: Any, files: dict[str, bytes] | None = None) -> str:
        """Store ``files`` (before the events, as the processor does), append the events; the token to wait on."""
        stream = []
        for event in events:
            self.version += 1
            stream.append(("render", self.key, self.version, event))
        blobs = {f"renders/{self.key}/{name}": data for name, data in (files or {}).items()}
        return asyncio.run(self._inject(stream, blobs))

    async def _inject(self, stream: list[tuple[str, str, int, Any]], blobs: dict[str, bytes]) -> str:
        runtime = build_runtime(self.product.settings())
        await runtime.event_log.start()
        await runtime.codec.start()
        await runtime.blob_store.start()
        try:
            for key, data in blobs.items():
                await runtime.blob_store.put_bytes(key, data, content_type="application/octet-stream")
            records = []
            for aggregate_type, aggregate_id, version, event in stream:
                envelope = EventEnvelope(
                    event_id=str(uuid.uuid4()), aggregate_type=aggregate_type, aggregate_id=aggregate_id,
                    aggregate_version=version, occurred_at=datetime.now(UTC), actor_id=OWNER, correlation_id="c",
                    causation_id="c", event=event,
                )  # fmt: skip
                topic = f"tuneton.{aggregate_type}.events"
                records.append(
                    OutgoingRecord(topic=topic, key=aggregate_id.encode(), value=runtime.codec.encode_event(envelope))
                )
            await runtime.event_log.append(records)
        finally:
            await runtime.blob_store.close()
            await runtime.event_log.close()
        aggregate_type, aggregate_id, version, _ = stream[-1]
        return ConsistencyToken(aggregate_type=aggregate_type, aggregate_id=aggregate_id, version=version).encode()


def requested(render: Render, **changes: Any) -> e.TransformRequested:
    source = replace(SOURCE, track_id=render.track_id)
    return e.TransformRequested(
        source=source, params=replace(PARAMS, **changes), engine="rubberband-r3", engine_version="4", attempt=1
    )


def progressed(key: str, ready: int, total: int = 2) -> e.RenderProgressed:
    return e.RenderProgressed(attempt=1, segments_ready=ready, segments_total=total, rendered_ms=ready * 6000,
                              percent=100 * ready // total, entry_key=f"renders/{key}/playlist.m3u8")  # fmt: skip


def completed(key: str, *, mp3: bool = False) -> e.AssetRendered:
    entry = f"renders/{key}/{'render.mp3' if mp3 else 'playlist.m3u8'}"
    asset = RenderedAsset(**{**ASSET.__dict__, "entry_key": entry, "prefix": f"renders/{key}/", "segment_count": 2,
                             "output_format": "mp3" if mp3 else "aac-hls"})  # fmt: skip
    return e.AssetRendered(attempt=1, asset=asset)


def playlist(segments: int, *, ended: bool = False) -> bytes:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:6", "#EXT-X-PLAYLIST-TYPE:EVENT",
             '#EXT-X-MAP:URI="init.mp4"']  # fmt: skip
    for n in range(segments):
        lines += ["#EXTINF:6.0,", f"seg_{n:05d}.m4s"]
    return "\n".join([*lines, *(["#EXT-X-ENDLIST"] if ended else [])]).encode() + b"\n"


@pytest.fixture
def api(product: Product) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=product.base, headers=product.auth(OWNER), timeout=60) as client:
        yield client


def unsigned(url: str) -> str:
    """The URL without its signature (exp, u, kid, sig: the only query the render URLs have)."""
    return url.partition("?")[0]


def unsigned_playlist(body: bytes) -> bytes:
    """The stored playlist: every URI of the served one without its signature."""
    return re.sub(rb"\?exp=[^\"\n]*", b"", body)


def status_of(api: httpx.Client, render: Render, token: str) -> dict[str, Any]:
    response = api.get(f"/v1/renders/{render.key}", params={"consistency": token})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_status_follows_a_render_from_queued_to_ready(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    queued = status_of(api, render, render.append(requested(render)))
    assert {k: queued[k] for k in ("asset_key", "track_id", "status", "percent", "attempt", "result", "failure")} == {
        "asset_key": render.key, "track_id": render.track_id, "status": "queued", "percent": 0, "attempt": 1,
        "result": None, "failure": None,
    }  # fmt: skip
    assert queued["params"] == {
        "semitones": 3.0,
        "tempo": 1.25,
        "formant": True,
        "quality": "high",
        "format": "aac-hls",
    }
    assert queued["urls"] == {"playlist": None, "audio": None, "events": f"/v1/renders/{render.key}/events"}
    assert queued["source"] == {"bpm": 120.0, "key": "A minor", "duration_s": 183.0}
    assert api.get(f"/v1/renders/{render.key}/files/playlist.m3u8").json() == {
        "detail": "the render is queued: it has no files"
    }

    files = {"init.mp4": INIT, "seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
    rendering = status_of(api, render, render.append(progressed(render.key, 1), files=files))
    assert (rendering["status"], rendering["percent"], rendering["segments_ready"], rendering["segments_total"]) == (
        "rendering", 50, 1, 2
    )  # fmt: skip
    assert unsigned(rendering["urls"]["playlist"]) == f"/v1/renders/{render.key}/files/playlist.m3u8"

    ready = status_of(
        api, render, render.append(completed(render.key), files={"playlist.m3u8": playlist(2, ended=True)})
    )
    assert (ready["status"], ready["percent"], ready["segments_ready"], ready["cache_hits"]) == ("ready", 100, 2, 0)
    assert ready["result"] == {"bpm": 150.0, "key": "C minor", "key_offset_cents": 0, "lufs": -14.5,
                               "duration_s": 146.4, "size_bytes": 2_950_000}  # fmt: skip
    hit = status_of(api, render, render.append(replace(completed(render.key), cache_hit=True)))
    assert (hit["status"], hit["cache_hits"], hit["version"]) == ("ready", 1, 4)


def rendering(product: Product, api: httpx.Client) -> Render:
    """A public render one segment into its work (its files stored, ``api`` has seen it)."""
    render = Render(product)
    files = {"init.mp4": INIT, "seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
    status_of(api, render, render.append(requested(render), progressed(render.key, 1), files=files))
    return render


def test_files_are_served_with_types_caching_and_ranges(product: Product, api: httpx.Client) -> None:
    render = rendering(product, api)
    base = f"/v1/renders/{render.key}/files"
    growing = api.get(f"{base}/playlist.m3u8")
    assert (growing.status_code, growing.headers["content-type"]) == (200, "application/vnd.apple.mpegurl")
    assert growing.headers["cache-control"] == "public, no-cache"
    assert unsigned_playlist(growing.content) == playlist(1)
    again = api.get(f"{base}/playlist.m3u8", headers={"If-None-Match": growing.headers["etag"]})
    assert again.status_code == 304

    segment = api.get(f"{base}/seg_00000.m4s", headers={"Range": "bytes=10-19"})
    assert (segment.status_code, segment.content, segment.headers["content-type"]) == (206, SEGMENT[10:20], "audio/mp4")
    assert segment.headers["content-range"] == f"bytes 10-19/{len(SEGMENT)}"
    assert segment.headers["cache-control"] == "public, max-age=31536000, immutable"
    init = api.get(f"{base}/init.mp4")
    assert (init.status_code, init.content, init.headers["content-type"]) == (200, INIT, "audio/mp4")
    assert api.get(f"{base}/seg_00000.m4s", headers={"Range": "bytes=99999-"}).status_code == 416

    for name in ("seg_00001.m4s", "render.mp3"):  # layout names not stored (yet)
        assert api.get(f"{base}/{name}").status_code == 404
    for name in ("seg_1.m4s", "source.mp3", "..%2Fplaylist.m3u8", "%2E%2E"):
        assert api.get(f"{base}/{name}").status_code == 404, name
    assert api.get(f"{base}/init.mp4%00").status_code == 422  # no text holds U+0000 (tuneton/web/nul.py)
    assert api.get(f"/v1/renders/{render.key}/files/..%2F..%2Fsecrets").status_code == 404

    status_of(
        api,
        render,
        render.append(
            completed(render.key), files={"seg_00001.m4s": SEGMENT, "playlist.m3u8": playlist(2, ended=True)}
        ),
    )
    final = api.get(f"{base}/playlist.m3u8")
    assert final.status_code == 200
    assert final.content.endswith(b"#EXT-X-ENDLIST\n")
    assert final.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_an_mp3_render_serves_its_file_with_ranges(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    token = render.append(
        requested(render, output_format="mp3"), completed(render.key, mp3=True), files={"render.mp3": MP3}
    )
    ready = status_of(api, render, token)
    assert unsigned(ready["urls"]["audio"]) == f"/v1/renders/{render.key}/files/render.mp3"
    assert ready["urls"]["playlist"] is None
    part = api.get(ready["urls"]["audio"], headers={"Range": "bytes=-3"})
    assert (part.status_code, part.content, part.headers["content-type"]) == (206, MP3[-3:], "audio/mpeg")
    head = api.head(ready["urls"]["audio"])
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(MP3)))


def test_a_failed_render_shows_why_and_serves_nothing(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    failure = e.RenderFailed(attempt=1, reason=FailureReason.UNDECODABLE_SOURCE, detail="ffmpeg: invalid data")
    files = {"init.mp4": INIT, "seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
    failed = status_of(api, render, render.append(requested(render), progressed(render.key, 1), failure, files=files))
    assert (failed["status"], failed["result"]) == ("failed", None)
    assert failed["failure"] == {"reason": "undecodable_source", "detail": "ffmpeg: invalid data"}
    gone = api.get(f"/v1/renders/{render.key}/files/seg_00000.m4s")
    assert (gone.status_code, gone.json()) == (404, {"detail": "the render is failed: it has no files"})
    with api.stream("GET", f"/v1/renders/{render.key}/events") as stream:
        assert [kind for kind, _ in sse(stream)] == ["failed"]


def sse(stream: httpx.Response) -> Iterator[tuple[str, dict[str, Any]]]:
    """(event, data) per SSE frame until the server ends the stream."""
    import json

    assert stream.status_code == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    fields: dict[str, str] = {}
    for line in stream.iter_lines():
        if line == "":
            if "data" in fields:
                yield fields.get("event", "message"), json.loads(fields["data"])
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def test_the_event_stream_follows_progress_to_ready(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    status_of(api, render, render.append(requested(render)))
    seen = []
    with api.stream("GET", f"/v1/renders/{render.key}/events") as stream:
        frames = sse(stream)
        steps = [
            lambda: render.append(
                progressed(render.key, 1), files={"seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
            ),
            lambda: render.append(
                progressed(render.key, 2), files={"seg_00001.m4s": SEGMENT, "playlist.m3u8": playlist(2)}
            ),
            lambda: render.append(completed(render.key), files={"playlist.m3u8": playlist(2, ended=True)}),
        ]
        for kind, data in frames:
            seen.append((kind, data["status"], data["percent"], data["version"]))
            if steps:
                steps.pop(0)()
    assert seen == [("progress", "queued", 0, 1), ("progress", "rendering", 50, 2), ("progress", "rendering", 100, 3),
                    ("ready", "ready", 100, 4)]  # fmt: skip
    with api.stream("GET", f"/v1/renders/{render.key}/events") as reconnect:  # current state first, then the end
        assert [(kind, data["version"]) for kind, data in sse(reconnect)] == [("ready", 4)]


def test_positions_map_between_original_and_render(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    token = render.append(requested(render, tempo=1.25))
    url = f"/v1/renders/{render.key}/positions"
    forward = api.get(url, params={"original_s": 60, "consistency": token})
    assert (forward.status_code, forward.json()) == (200, {"original_s": 60.0, "render_s": 48.0, "tempo": 1.25})
    assert api.get(url, params={"render_s": 48}).json() == {"original_s": 60.0, "render_s": 48.0, "tempo": 1.25}
    assert api.get(url, params={"render_s": 0}).json()["original_s"] == 0.0
    for params in ({}, {"original_s": 1, "render_s": 1}, {"original_s": -1}, {"render_s": "inf"},
                   {"original_s": "nan"}, {"original_s": "soon"}):  # fmt: skip
        assert api.get(url, params=params).status_code == 422, params
    assert api.get(f"/v1/renders/{'0' * 64}/positions", params={"original_s": 1}).status_code == 404


def test_unknown_and_malformed_keys(api: httpx.Client) -> None:
    assert api.get(f"/v1/renders/{'0' * 64}").json() == {"detail": "no such render"}
    assert api.get(f"/v1/renders/{'0' * 64}").status_code == 404
    assert api.get(f"/v1/renders/{'0' * 64}/events").status_code == 404
    assert api.get(f"/v1/renders/{'0' * 64}/files/init.mp4").status_code == 404
    for bad in ("xyz", "A" * 64, "0" * 63):
        assert api.get(f"/v1/renders/{bad}").status_code == 422, bad


def test_a_private_track_s_renders_exist_only_for_its_owner(product: Product, api: httpx.Client) -> None:
    render = Render(product, visibility=Visibility.PRIVATE)
    token = render.append(
        requested(render), progressed(render.key, 1), files={"seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
    )
    assert status_of(api, render, token)["status"] == "rendering"
    private = api.get(f"/v1/renders/{render.key}/files/seg_00000.m4s")
    assert private.headers["cache-control"] == "private, max-age=31536000, immutable"
    paths = ["", "/events", "/files/playlist.m3u8", "/files/seg_00000.m4s", "/positions?original_s=1"]
    for viewer in (product.auth(STRANGER), {}):
        with httpx.Client(base_url=product.base, headers=viewer, timeout=30) as other:
            for path in paths:
                response = other.get(f"/v1/renders/{render.key}{path}")
                assert (response.status_code, response.json()) == (404, {"detail": "no such render"}), path


def test_a_signed_playlist_plays_without_a_header_and_its_entries_carry_the_signature(
    product: Product, api: httpx.Client
) -> None:
    render = Render(product, visibility=Visibility.PRIVATE)
    files = {"init.mp4": INIT, "seg_00000.m4s": SEGMENT, "playlist.m3u8": playlist(1)}
    url = status_of(api, render, render.append(requested(render), progressed(render.key, 1), files=files))["urls"]
    with httpx.Client(base_url=product.base, timeout=30) as player:  # an <audio>/hls.js: no header at all
        listed = player.get(url["playlist"])
        assert listed.status_code == 200, listed.text
        query = url["playlist"].partition("?")[2]
        assert f'#EXT-X-MAP:URI="init.mp4?{query}"'.encode() in listed.content
        assert f"seg_00000.m4s?{query}".encode() in listed.content
        base = f"/v1/renders/{render.key}/files"
        assert player.get(f"{base}/init.mp4?{query}").content == INIT
        assert player.get(f"{base}/seg_00000.m4s?{query}", headers={"Range": "bytes=0-9"}).content == SEGMENT[:10]
        assert player.get(f"{base}/seg_00000.m4s").status_code == 404  # unsigned and anonymous: private
        forged = player.get(f"{base}/seg_00000.m4s?{query.replace(f'u={OWNER}', f'u={STRANGER}')}")
        assert (forged.status_code, forged.json()["detail"].split(":")[0]) == (403, "bad_signature")
    with httpx.Client(base_url=product.base, headers=product.auth(OWNER), timeout=30) as other:
        other_track = Render(product, visibility=Visibility.PRIVATE)
        other_track.append(requested(other_track), progressed(other_track.key, 1), files=files)
        borrowed = other.get(f"/v1/renders/{other_track.key}/files/init.mp4?{query}")
        assert borrowed.status_code == 403  # one render's signature opens no other render


def test_a_client_may_leave_the_stream_mid_render(product: Product, api: httpx.Client) -> None:
    render = Render(product)
    status_of(api, render, render.append(requested(render)))
    for _ in range(3):
        with api.stream("GET", f"/v1/renders/{render.key}/events") as stream:
            assert next(sse(stream))[0] == "progress"  # and hang up while the render is still queued
    assert "Traceback" not in product.server.tail(400)
    assert api.get(f"/v1/renders/{render.key}").status_code == 200
