"""Renders end to end, on both runtimes: request over HTTP, progress and completion on the render topic,
the asset in the blob store with the asked-for pitch and duration; cache hits, coalescing, refusals."""

from __future__ import annotations

import asyncio
import collections
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from confluent_kafka import Consumer, TopicPartition

from processors import roles
from processors.render import GROUP as RENDER_GROUP
from tests.audio_signals import groove, partial_cents
from tests.e2e.callers import upload_and_read
from tests.e2e.conftest import EMBEDDED_BESIDE, Product
from tests.e2e.servers import Process, wait_processing, wait_ready
from tests.media_files import encode_pcm, ffmpeg, synth
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.domain.render import events as re
from tuneton.events import topics
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import LogRecord

F0 = 220.0
SOURCE_S = 8.0
SR = 44100


@pytest.fixture
def api(product: Product) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=product.base, headers=product.auth(f"r-{uuid.uuid4().hex[:8]}"),
                      timeout=60) as client:  # fmt: skip
        yield client


def upload_tone(api: httpx.Client, tmp_path: Path, *, seconds: float = SOURCE_S, visibility: str = "public") -> str:
    """A fresh 220 Hz WAV track. Its content, and so every asset key made from it, is unique per call:
    the Kafka log outlives a test session, and an old render of the same bytes would be a cache hit."""
    f0 = F0 + random.random() / 100  # < 0.1 cent off F0: inaudible to the pitch checks, unique bytes
    path = synth(tmp_path / f"tone-{uuid.uuid4().hex[:6]}.wav", seconds=seconds, source=f"sine=frequency={f0:.6f}")
    return upload_and_read(api, path, visibility=visibility)


async def records_of(product: Product, asset_key: str, *, until: type, count: int = 1, timeout_s: float = 120) -> list[
        tuple[LogRecord, EventEnvelope]]:  # fmt: skip
    """The render stream of ``asset_key`` from its start until ``count`` events of type ``until``, with
    where each record sits in the log."""
    runtime = build_runtime(product.settings())
    await runtime.event_log.start()
    await runtime.codec.start()
    found: list[tuple[LogRecord, EventEnvelope]] = []
    try:
        subscription = await runtime.event_log.subscribe([topics.RENDER_EVENTS], group=None, from_beginning=True)
        try:
            async with asyncio.timeout(timeout_s):
                while sum(isinstance(e.event, until) for _, e in found) < count:
                    for record in await subscription.poll(wait_s=0.2):
                        if record.key == asset_key.encode():
                            found.append((record, await runtime.codec.decode_event(record.topic, record.value)))
        except TimeoutError:
            seen = [type(e.event).__name__ for _, e in found]
            pytest.fail(f"no {until.__name__} within {timeout_s} s; seen {seen}\n{product.processing.tail()}")
        await subscription.close()
    finally:
        await runtime.event_log.close()
    return found


async def events_of(product: Product, asset_key: str, *, until: type, count: int = 1, timeout_s: float = 120) -> list[
        EventEnvelope]:  # fmt: skip
    """The render stream of ``asset_key`` from its start until ``count`` events of type ``until``."""
    return [e for _, e in await records_of(product, asset_key, until=until, count=count, timeout_s=timeout_s)]


async def committed_render_offset(product: Product, partition: int) -> int:
    """The render processor's committed offset (the next to read) in ``partition`` of the render topic."""
    if product.runtime == "embedded":
        runtime = build_runtime(product.settings())
        await runtime.event_log.start()
        try:
            return (await runtime.event_log.committed(RENDER_GROUP, topics.RENDER_EVENTS)).get(partition, 0)  # type: ignore[attr-defined]
        finally:
            await runtime.event_log.close()
    consumer = Consumer({"bootstrap.servers": product.env["TUNETON_KAFKA_BOOTSTRAP"], "group.id": roles.APP_ID})
    try:  # the e2e worker runs every role, in the ``all`` group
        (position,) = consumer.committed([TopicPartition(topics.RENDER_EVENTS, partition)], timeout=10)
        return int(position.offset)
    finally:
        consumer.close()


def wait_committed_past(product: Product, record: LogRecord, timeout_s: float = 30) -> None:
    """Wait until the render processor has committed past ``record``: a finished render must not be
    redelivered forever, nor hold back the commits of every record behind it."""
    deadline = time.monotonic() + timeout_s
    while (committed := asyncio.run(committed_render_offset(product, record.partition))) <= record.offset:
        assert time.monotonic() < deadline, (
            f"committed {committed} in partition {record.partition}, not past {record.offset}"
        )
        time.sleep(0.5)


def deduplicated(stream: list[EventEnvelope]) -> list[EventEnvelope]:
    """The stream as consumers see it after deduplicating by version (docs/event-contract.md).

    On Kafka the decider is at-least-once: a command redelivered after the crash decides the very
    same events again (same ids, same versions, same payload); anything else under one version
    would be a conflict, and fails here.
    """
    seen: dict[int, EventEnvelope] = {}
    for envelope in stream:
        first = seen.setdefault(envelope.aggregate_version, envelope)
        assert (first.event_id, first.event) == (envelope.event_id, envelope.event), "conflicting versions"
    return [seen[version] for version in sorted(seen)]


async def fetch_asset(product: Product, entry_key: str, out: Path) -> tuple[str, Path]:
    """The stored playlist text and the asset as one playable fMP4 (init + segments, in order)."""
    runtime: Runtime = build_runtime(product.settings())
    await runtime.blob_store.start()
    try:
        prefix = entry_key.rsplit("/", 1)[0] + "/"
        playlist = (await runtime.blob_store.read_bytes(entry_key)).decode()
        names = ["init.mp4", *[line for line in playlist.splitlines() if line and not line.startswith("#")]]
        with out.open("wb") as handle:
            for name in names:
                handle.write(await runtime.blob_store.read_bytes(prefix + name))
    finally:
        await runtime.blob_store.close()
    return playlist, out


def decoded(path: Path) -> np.ndarray:
    pcm = subprocess.run([ffmpeg(), "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(SR), "-f", "f32le", "-"],
                         check=True, capture_output=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<f4")


def request(api: httpx.Client, track_id: str, **params: Any) -> httpx.Response:
    return api.post(f"/v1/tracks/{track_id}/renders", json=params)


def test_a_render_is_requested_progresses_and_lands_in_the_blob_store_at_the_asked_pitch_and_tempo(
    product: Product, api: httpx.Client, tmp_path: Path
) -> None:
    track_id = upload_tone(api, tmp_path)
    answer = request(api, track_id, semitones=3, tempo=1.25)
    assert answer.status_code == 202, answer.text
    asset_key = answer.json()["asset_key"]
    assert answer.json()["entry_url"].partition("?")[0] == f"/v1/renders/{asset_key}/files/playlist.m3u8"

    stream = asyncio.run(events_of(product, asset_key, until=re.AssetRendered))
    kinds = [type(e.event) for e in stream]
    assert kinds[0] is re.TransformRequested
    assert re.RenderProgressed in kinds
    assert kinds[-1] is re.AssetRendered
    assert [e.aggregate_version for e in stream] == list(range(1, len(stream) + 1))
    done = stream[-1].event
    assert not done.cache_hit
    assert done.asset.duration_ms == pytest.approx(SOURCE_S / 1.25 * 1000, abs=30)

    playlist, path = asyncio.run(fetch_asset(product, done.asset.entry_key, tmp_path / "render.mp4"))
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in playlist
    audio = decoded(path)
    assert len(audio) / SR == pytest.approx(SOURCE_S / 1.25, abs=0.1)  # + AAC priming the edit list may leave
    middle = audio[len(audio) // 4 : 3 * len(audio) // 4]
    assert abs(partial_cents(middle, sr=SR, expected_hz=F0 * 2 ** (3 / 12))) <= 5


def test_an_identical_request_is_a_cache_hit_and_renders_nothing(product: Product, api: httpx.Client,
                                                                  tmp_path: Path) -> None:  # fmt: skip
    track_id = upload_tone(api, tmp_path, seconds=3.0)
    first = request(api, track_id, semitones=-2, quality="preview")
    assert first.status_code == 202, first.text
    asset_key = first.json()["asset_key"]
    asyncio.run(events_of(product, asset_key, until=re.AssetRendered))

    again = request(api, track_id, semitones=-2.0, quality="preview", tempo=1)
    assert again.status_code == 202, again.text
    assert again.json()["asset_key"] == asset_key
    stream = asyncio.run(events_of(product, asset_key, until=re.AssetRendered, count=2))
    rendered = [e.event for e in stream if isinstance(e.event, re.AssetRendered)]
    assert [r.cache_hit for r in rendered] == [False, True]
    assert rendered[0].asset == rendered[1].asset
    assert sum(isinstance(e.event, re.TransformRequested) for e in stream) == 1


def test_concurrent_identical_requests_share_one_render(product: Product, api: httpx.Client, tmp_path: Path) -> None:
    track_id = upload_tone(api, tmp_path, seconds=4.0)

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=product.base, headers=dict(api.headers), timeout=60) as client:
            return list(await asyncio.gather(*[client.post(f"/v1/tracks/{track_id}/renders",
                                                           json={"tempo": 0.8}) for _ in range(4)]))  # fmt: skip

    answers = asyncio.run(burst())
    assert {a.status_code for a in answers} == {202}
    [asset_key] = {a.json()["asset_key"] for a in answers}
    stream = asyncio.run(events_of(product, asset_key, until=re.AssetRendered))
    assert sum(isinstance(e.event, re.TransformRequested) for e in stream) == 1
    assert sum(isinstance(e.event, re.AssetRendered) for e in stream) == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"semitones": 12.5}, "semitones"),
        ({"semitones": -13}, "semitones"),
        ({"semitones": 0.005}, "semitones"),  # finer than a cent
        ({"pitch_cents": 1201}, "pitch_cents"),
        ({"semitones": 1, "pitch_cents": 100}, "pitch_cents"),
        ({"tempo": 0.49}, "tempo"),
        ({"tempo": 2.01}, "tempo"),
        ({"tempo": "fast"}, "tempo"),
        ({"formant": "yes"}, "formant"),
        ({"quality": "ultra"}, "quality"),
        ({"format": "wav"}, "output_format"),
        ({"speed": 1.2}, "speed"),
    ],
)
def test_out_of_range_parameters_are_refused_precisely(
    product: Product, api: httpx.Client, tmp_path: Path, body: dict[str, Any], field: str
) -> None:
    answer = api.post("/v1/tracks/any-track/renders", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["reason"] == "invalid_parameter"
    assert answer.json()["field"] == field


def test_unknown_or_invisible_tracks_are_not_found(product: Product, api: httpx.Client, tmp_path: Path) -> None:
    assert request(api, "no-such-track", semitones=1).json()["reason"] == "track_not_found"
    private = upload_tone(api, tmp_path, seconds=1.5, visibility="private")
    stranger = api.post(f"/v1/tracks/{private}/renders", json={"semitones": 1},
                        headers=product.auth("someone-else"))  # fmt: skip
    assert stranger.status_code == 404, stranger.text
    assert request(api, private, semitones=1).status_code == 202


def render_under_way(product: Product, api: httpx.Client, tmp_path: Path, *, seconds: float, **params: Any) -> str:
    """The asset key of a render of a fresh ``seconds``-long tone, once its first progress is on the log."""
    answer = request(api, upload_tone(api, tmp_path, seconds=seconds), **params)
    assert answer.status_code == 202, answer.text
    asset_key: str = answer.json()["asset_key"]
    asyncio.run(events_of(product, asset_key, until=re.RenderProgressed))
    return asset_key


@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)
def test_killing_the_render_processor_mid_render_completes_the_asset_exactly_once(
    product: Product, api: httpx.Client, tmp_path: Path
) -> None:
    seconds = 60.0
    asset_key = render_under_way(product, api, tmp_path, seconds=seconds, semitones=-5, tempo=0.9)
    product.processing.kill()  # ... and its process dies (SIGKILL: no cleanup, offsets not committed)
    product.processing.start()
    if product.processing is product.server:
        wait_ready(product.base, product.server)
    wait_processing(product.base, product.auth("probe-restart"))

    asyncio.run(events_of(product, asset_key, until=re.AssetRendered))
    time.sleep(2)  # room for a duplicate completion to show up, if the redelivery produced one
    records = asyncio.run(records_of(product, asset_key, until=re.AssetRendered))
    wait_committed_past(product, records[-1][0])  # the restarted processor, sent some records twice, let go of all
    stream = deduplicated([envelope for _, envelope in records])
    kinds = [type(e.event) for e in stream]
    assert kinds.count(re.TransformRequested) == 1
    assert kinds.count(re.AssetRendered) == 1, kinds
    assert [e.aggregate_version for e in stream] == list(range(1, len(stream) + 1))
    progress = [e.event.segments_ready for e in stream if isinstance(e.event, re.RenderProgressed)]
    assert progress == sorted(set(progress))  # a re-render from the start reports nothing twice

    done = stream[kinds.index(re.AssetRendered)].event
    playlist, path = asyncio.run(fetch_asset(product, done.asset.entry_key, tmp_path / "render.mp4"))
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert len(decoded(path)) / SR == pytest.approx(seconds / 0.9, abs=0.1)


@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)
def test_a_render_process_killed_mid_render_is_replaced_and_the_asset_completes_once(
    product: Product, api: httpx.Client, tmp_path: Path
) -> None:
    """The OOM killer takes a render process, not the processor: the render is tried again on new processes."""
    seconds = 30.0
    asset_key = render_under_way(product, api, tmp_path, seconds=seconds, semitones=3, tempo=1.1)
    killed = render_processes(product.processing)
    assert killed, "no render process found under the processor"
    for pid in killed:  # ... and its processes die (SIGKILL, as the OOM killer sends)
        os.kill(pid, signal.SIGKILL)

    stream = deduplicated(asyncio.run(events_of(product, asset_key, until=re.AssetRendered)))
    kinds = [type(e.event) for e in stream]
    assert re.RenderFailed not in kinds, kinds
    assert kinds.count(re.AssetRendered) == 1, kinds
    now = render_processes(product.processing)  # none if the render had finished before the kill
    assert now, "no render processes started again: the kill came too late to test anything"
    assert set(now).isdisjoint(killed), "the render ran again on new processes"
    done = stream[kinds.index(re.AssetRendered)].event
    _, path = asyncio.run(fetch_asset(product, done.asset.entry_key, tmp_path / "render.mp4"))
    assert len(decoded(path)) / SR == pytest.approx(seconds / 1.1, abs=0.1)


def render_processes(processor: Process) -> list[int]:
    """The render pool's processes under ``processor``: its descendants started by multiprocessing's
    ``spawn`` that have no children of their own (an embedded worker process has its pool below it)."""
    assert processor.popen is not None
    children: dict[int, list[int]] = collections.defaultdict(list)
    spawned: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue  # ended meanwhile
        children[parent].append(int(entry.name))
        if b"spawn_main" in command:
            spawned.add(int(entry.name))
    below, todo = set(), [processor.popen.pid]
    while todo:
        for child in children[todo.pop()]:
            below.add(child)
            todo.append(child)
    return sorted(pid for pid in below & spawned if not children[pid])


def test_an_undecodable_source_fails_the_render_with_its_reason_and_marks_nothing_ready(
    product: Product, api: httpx.Client, tmp_path: Path
) -> None:
    track_id = upload_tone(api, tmp_path, seconds=2.5)
    asyncio.run(_corrupt_original(product, track_id))
    answer = request(api, track_id, semitones=2)
    assert answer.status_code == 202, answer.text
    asset_key = answer.json()["asset_key"]

    stream = asyncio.run(events_of(product, asset_key, until=re.RenderFailed))
    failed = stream[-1].event
    assert failed.reason.value == "undecodable_source"
    assert not any(isinstance(e.event, re.AssetRendered) for e in stream)
    retry = request(api, track_id, semitones=2)  # a new request after a failure is a new attempt
    assert retry.status_code == 202
    again = asyncio.run(events_of(product, asset_key, until=re.RenderFailed, count=2))
    assert [e.event.attempt for e in again if isinstance(e.event, re.TransformRequested)] == [1, 2]


async def _corrupt_original(product: Product, track_id: str) -> None:
    """Overwrite the stored original with bytes no decoder reads (storage rot, a bad migration)."""
    runtime = build_runtime(product.settings())
    await runtime.event_log.start()
    await runtime.codec.start()
    await runtime.blob_store.start()
    try:
        subscription = await runtime.event_log.subscribe([topics.TRACK_EVENTS], group=None, from_beginning=True)
        key = None
        async with asyncio.timeout(30):
            while key is None:
                for record in await subscription.poll(wait_s=0.2):
                    if record.key == track_id.encode():
                        key = (await runtime.codec.decode_event(record.topic, record.value)).event.original.key
        await subscription.close()
        await runtime.blob_store.put_bytes(key, b"RIFF\x00\x00\x00\x00WAVEjunk" * 64, content_type="audio/wav")
    finally:
        await runtime.blob_store.close()
        await runtime.event_log.close()


def test_a_render_reports_its_resulting_key_and_tempo_and_is_readable_over_http(
    product: Product, api: httpx.Client, tmp_path: Path
) -> None:
    bpm = 128.0 + random.random() / 1000  # unique bytes per run; the analysis cannot tell
    path = encode_pcm(tmp_path / f"g-{uuid.uuid4().hex[:6]}.mp3", groove(20, bpm=bpm), sr=SR)  # A minor triad
    with path.open("rb") as handle:
        created = api.post("/v1/tracks", params={"visibility": "public"}, files={"file": (path.name, handle)}).json()
    track = api.get(f"/v1/tracks/{created['track_id']}", params={"consistency": created["consistency_token"]})
    assert track.json()["analysis"]["key"] == "A minor", track.text

    answer = request(api, created["track_id"], semitones=3, tempo=1.25)
    assert answer.status_code == 202, answer.text
    asset_key = answer.json()["asset_key"]
    with api.stream("GET", answer.json()["events_url"], timeout=120) as events:  # progress until ready
        kinds = [line.removeprefix("event: ") for line in events.iter_lines() if line.startswith("event: ")]
    assert kinds[-1] == "ready", kinds

    done = asyncio.run(events_of(product, asset_key, until=re.AssetRendered))[-1].event
    assert done.asset.musical.key == "C minor"  # A minor + 3 semitones
    assert done.asset.musical.bpm == pytest.approx(128.0 * 1.25, rel=0.02)
    status = api.get(answer.json()["status_url"]).json()
    assert status["status"] == "ready"
    assert status["result"]["key"] == "C minor"
    assert status["source"]["key"] == "A minor"
    playlist = api.get(answer.json()["entry_url"])
    assert playlist.status_code == 200
    assert playlist.text.rstrip().endswith("#EXT-X-ENDLIST")
    first = api.get(f"/v1/renders/{asset_key}/files/seg_00000.m4s")
    assert first.status_code == 200
    assert first.headers["content-type"] == "audio/mp4"
    moment = api.get(f"/v1/renders/{asset_key}/positions", params={"original_s": 10}).json()
    assert moment["render_s"] == pytest.approx(8.0)
