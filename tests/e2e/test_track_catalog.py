"""The track catalog over HTTP, identical on the embedded and the Kafka runtime.

Upload → read it back → search finds it → stream a byte range → fetch the cover; a re-upload is a
duplicate; each kind of bad input is refused with a precise 4xx and leaves no blob and no event.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mutagen.id3 import ID3, TXXX

from tests.audio_signals import SR, groove
from tests.e2e.conftest import Product
from tests.media_files import encode_pcm, jpeg, synth, tag_id3

SEARCH_WAIT_S = 30


def client(product: Product, user: str) -> httpx.Client:
    return httpx.Client(base_url=product.base, headers=product.auth(user), timeout=120)


def song(directory: Path, *, word: str, seconds: float = 3.0) -> Path:
    """A tagged MP3 whose title contains ``word`` (unique per test, so no run dedupes against another)."""
    path = synth(directory / f"{word}.mp3", seconds=seconds, source="sine=frequency=330")
    tag_id3(path, cover=jpeg(), title=f"Звезда {word}", artist="Кино; Виктор Цой", album="Звезда по имени Солнце",
            date="1989", genre="Rock")  # fmt: skip
    return path


def upload(api: httpx.Client, path: Path, *, name: str | None = None, visibility: str = "public") -> httpx.Response:
    with path.open("rb") as fh:
        return api.post("/v1/tracks", params={"visibility": visibility}, files={"file": (name or path.name, fh)})


def stored_blobs(product: Product) -> set[str]:
    """Every blob key in the product's store."""
    if product.runtime == "embedded":
        root = product.data_dir / "blobs" / "blobs"
        return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    from minio import Minio

    env = product.env
    s3 = Minio(env["TUNETON_S3_ENDPOINT"], env["TUNETON_S3_ACCESS_KEY"], env["TUNETON_S3_SECRET_KEY"], secure=False)
    bucket = env["TUNETON_S3_BUCKET"]
    return {o.object_name for o in s3.list_objects(bucket, recursive=True)} if s3.bucket_exists(bucket) else set()


def track_events(product: Product) -> int:
    """How many records ``tuneton.track.events`` holds."""
    if product.runtime == "embedded":
        with sqlite3.connect(f"file:{product.data_dir / 'events.db'}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM records WHERE topic = 'tuneton.track.events'").fetchone()[0])
    from confluent_kafka import Consumer, TopicPartition

    consumer = Consumer({"bootstrap.servers": product.env["TUNETON_KAFKA_BOOTSTRAP"], "group.id": "e2e-probe"})
    try:
        return sum(
            consumer.get_watermark_offsets(TopicPartition("tuneton.track.events", p), timeout=10)[1] for p in range(6)
        )
    finally:
        consumer.close()


def search_until(api: httpx.Client, query: str, track_id: str) -> dict[str, Any]:
    """Search results once ``track_id`` shows up (the search projector is asynchronous)."""
    deadline = time.monotonic() + SEARCH_WAIT_S
    while True:
        found = api.get("/v1/search", params={"q": query}).json()
        if any(hit["track_id"] == track_id for hit in found["data"]) or time.monotonic() > deadline:
            return dict(found)
        time.sleep(0.2)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    return tmp_path


def test_upload_read_search_stream_and_cover(product: Product, files: Path) -> None:
    word = f"q{uuid.uuid4().hex[:8]}"
    with client(product, f"u-{word}") as api:
        created = upload(api, song(files, word=word))
        assert created.status_code == 201, created.text
        body = created.json()
        track_id, token = body["track_id"], body["consistency_token"]
        assert (body["duplicate"], body["version"], body["title"]) == (False, 1, f"Звезда {word}")

        track = api.get(f"/v1/tracks/{track_id}", params={"consistency": token}).json()
        assert track["artists"] == ["Кино", "Виктор Цой"]
        assert (track["album"], track["year"], track["genre"], track["cover_source"]) == (
            "Звезда по имени Солнце", 1989, "Rock", "embedded",
        )  # fmt: skip
        assert abs(track["duration_ms"] - 3000) < 100
        assert {(c["size"], c["format"]) for c in track["covers"]} == {
            (s, f) for s in (96, 300, 600) for f in ("jpeg", "webp")
        }

        found = search_until(api, word[:4], track_id)
        assert found["total_exact"] is True
        hit = next(h for h in found["data"] if h["track_id"] == track_id)
        assert hit["highlights"]["title"] == [[7, 11]]
        assert hit["cover_url"] is not None

        stream = track["renditions"][0]  # an MP3 upload: its frames copied, without tags
        assert (stream["name"], stream["mime_type"], stream["codec"]) == ("stream", "audio/mpeg", "mp3")
        assert stream["size_bytes"] < track["original"]["size_bytes"]  # the cover art is not in the stream
        part = api.get(stream["url"], headers={"Range": "bytes=0-99"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 0-99/{stream['size_bytes']}"
        assert part.content[:2] == b"\xff\xfb"  # an MPEG frame, no ID3 tag
        assert len(part.content) == 100
        assert "immutable" in part.headers["cache-control"]
        beyond = api.get(stream["url"], headers={"Range": f"bytes={stream['size_bytes']}-"})
        assert beyond.status_code == 416
        assert beyond.headers["content-range"] == f"bytes */{stream['size_bytes']}"

        cover = api.get(next(c["url"] for c in track["covers"] if c["size"] == 300 and c["format"] == "jpeg"))
        assert (cover.status_code, cover.headers["content-type"]) == (200, "image/jpeg")
        assert cover.content[:3] == b"\xff\xd8\xff"
        etag = cover.headers["etag"]
        assert api.get(cover.url, headers={"If-None-Match": etag}).status_code == 304

        by_album = api.get("/v1/tracks", params={"album": "звезда по имени солнце", "artist": "кино"}).json()
        assert track_id in [t["track_id"] for t in by_album["data"]]


def test_a_lossless_upload_streams_as_faststart_aac(product: Product, files: Path) -> None:
    word = f"f{uuid.uuid4().hex[:8]}"
    path = synth(files / f"{word}.flac", seconds=2.0, source="sine=frequency=523")
    with client(product, f"u-{word}") as api:
        created = upload(api, path).json()
        track = api.get(f"/v1/tracks/{created['track_id']}", params={"consistency": created["consistency_token"]})
        stream = track.json()["renditions"][0]
        assert (stream["mime_type"], stream["codec"], stream["bitrate"]) == ("audio/mp4", "aac", 192_000)
        head = api.get(stream["url"], headers={"Range": "bytes=0-63"}).content
        assert head[4:12] == b"ftypM4A "
        assert head[32:36] == b"moov"  # faststart: the index right after ftyp, before any audio
        assert track.json()["title"] == word  # no tags: the title comes from the file name


def test_ingest_records_tempo_key_and_loudness(product: Product, files: Path) -> None:
    word = f"a{uuid.uuid4().hex[:8]}"
    path = encode_pcm(files / f"{word}.mp3", groove(20, bpm=128.0), sr=SR)  # clicks over an A minor triad
    with client(product, f"u-{word}") as api:
        created = upload(api, path).json()
        track = api.get(f"/v1/tracks/{created['track_id']}", params={"consistency": created["consistency_token"]})
        analysis = track.json()["analysis"]
        assert analysis is not None, track.text
        assert analysis["bpm"] == pytest.approx(128.0, rel=0.02)
        assert (analysis["key"], analysis["key_tonic"], analysis["key_mode"]) == ("A minor", 9, "minor")
        assert -30 < analysis["lufs"] < -5
        listed = api.get("/v1/tracks", params={"mine": "true"}).json()["data"]
        assert [t["analysis"]["key"] for t in listed if t["track_id"] == created["track_id"]] == ["A minor"]


def test_a_re_upload_is_the_same_track_and_records_nothing(product: Product, files: Path) -> None:
    word = f"d{uuid.uuid4().hex[:8]}"
    path = song(files, word=word)
    with client(product, f"u-{word}") as api:
        first = upload(api, path).json()
        api.get(f"/v1/tracks/{first['track_id']}", params={"consistency": first["consistency_token"]})
        blobs, events = stored_blobs(product), track_events(product)
        again = upload(api, path, name="another name.mp3")
        assert again.status_code == 200, again.text
        assert (again.json()["track_id"], again.json()["duplicate"]) == (first["track_id"], True)
    assert (stored_blobs(product), track_events(product)) == (blobs, events)


def test_private_tracks_are_only_for_their_uploader(product: Product, files: Path) -> None:
    word = f"p{uuid.uuid4().hex[:8]}"
    with client(product, f"owner-{word}") as owner, client(product, f"other-{word}") as other:
        created = upload(owner, song(files, word=word), visibility="private").json()
        track_id = created["track_id"]
        assert (
            owner.get(f"/v1/tracks/{track_id}", params={"consistency": created["consistency_token"]}).status_code == 200
        )
        assert other.get(f"/v1/tracks/{track_id}").status_code == 404
        assert other.get(f"/v1/tracks/{track_id}/audio/stream").status_code == 404
        assert search_until(owner, word, track_id)["total"] == 1
        assert other.get("/v1/search", params={"q": word}).json()["total"] == 0


def _bad_inputs(directory: Path) -> Iterator[tuple[str, bytes, str, int, str]]:
    """(case, bytes, file name, expected status, expected reason)."""
    whole = synth(directory / "whole.mp3", seconds=4.0).read_bytes()
    yield "zero-byte", b"", "empty.mp3", 422, "empty_file"
    yield "truncated mp3", whole[: len(whole) // 2], "cut.mp3", 422, "truncated"
    png = directory / "image.png"
    from PIL import Image

    Image.new("RGB", (8, 8)).save(png)
    yield "png renamed mp3", png.read_bytes(), "song.mp3", 415, "not_audio"
    tagged = synth(directory / "tagged.mp3", seconds=1.0)
    tags = ID3()
    tags.add(TXXX(encoding=3, desc="junk", text=["x" * (10 * 1024 * 1024)]))
    tags.save(tagged)
    yield "10 MB tag", tagged.read_bytes(), "tagged.mp3", 413, "tag_too_large"
    yield "path as name", whole, "../../etc/passwd", 422, "invalid_file_name"
    yield "over the limit", whole + bytes(17 * 1024 * 1024), "big.mp3", 413, "too_large"
    mp2 = synth(directory / "x.mp2", seconds=1.0)
    yield "unsupported codec", mp2.read_bytes(), "x.mp3", 415, "unsupported_codec"


BAD = ["zero-byte", "truncated mp3", "png renamed mp3", "10 MB tag", "path as name", "over the limit",
       "unsupported codec"]  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_bad_input_is_refused_precisely_and_stores_nothing(product: Product, files: Path, case: str) -> None:
    _, data, name, status, reason = next(item for item in _bad_inputs(files) if item[0] == case)
    blobs, events = stored_blobs(product), track_events(product)
    with client(product, f"bad-{uuid.uuid4().hex[:8]}") as api:
        refused = api.post("/v1/tracks", files={"file": (name, data)})
        assert (refused.status_code, refused.json()["reason"]) == (status, reason), refused.text
    assert (stored_blobs(product), track_events(product)) == (blobs, events)


def test_an_over_limit_stream_without_length_is_cut_off(product: Product) -> None:
    boundary = "tuneton-e2e"

    def body() -> Iterator[bytes]:
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.mp3"\r\n\r\n'.encode()
        for _ in range(20):  # 20 MiB in 1 MiB chunks, more than the 16 MiB limit, sent chunked
            yield bytes(1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    blobs, events = stored_blobs(product), track_events(product)
    headers = {**product.auth("chunked"), "Content-Type": f"multipart/form-data; boundary={boundary}"}
    refused = httpx.post(f"{product.base}/v1/tracks", content=body(), headers=headers, timeout=120)
    assert (refused.status_code, refused.json()["reason"]) == (413, "too_large")
    assert (stored_blobs(product), track_events(product)) == (blobs, events)


def test_tuneton_import_through_the_api_resumes_and_reports(product: Product, files: Path) -> None:
    import json
    import subprocess
    import sys

    from tests.e2e.servers import ROOT

    word = f"i{uuid.uuid4().hex[:8]}"
    folder = files / "Music"
    (folder / "album").mkdir(parents=True)
    song(folder / "album", word=f"{word}a")
    song(folder / "album", word=f"{word}b")
    (folder / "album" / "broken.mp3").write_text("not music at all")
    (folder / "album" / "cover.jpg").write_bytes(jpeg())
    command = [sys.executable, "-m", "tuneton.cli", "import", str(folder), "--api", product.base, "--user", word,
               "--visibility", "public", "--json"]  # fmt: skip

    token = product.auth(word)["Authorization"].removeprefix("Bearer ")
    uploader = {**product.env, "TUNETON_API_TOKEN": token}  # signs in anywhere (no dev header on Kafka)

    def run() -> dict[str, Any]:
        done = subprocess.run(
            command, env=uploader, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        assert done.returncode == 1, done.stderr  # 1: some file failed
        assert "files" in done.stderr  # the progress line
        return dict(json.loads(done.stdout))

    first = run()
    assert (first["imported"], first["duplicate"], first["failed"]) == (2, 0, 1)
    assert first["failures"][0]["reason"] == "not_audio"
    again = run()
    assert (again["already_done"], again["imported"], again["failed"]) == (2, 0, 1)
    deadline = time.monotonic() + SEARCH_WAIT_S
    with client(product, word) as api:
        while api.get("/v1/tracks", params={"mine": True}).json()["count"] < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert api.get("/v1/tracks", params={"mine": True}).json()["count"] == 2
