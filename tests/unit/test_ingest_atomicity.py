"""Ingest is all or nothing: a failure at any step leaves no blob and publishes no event.

The file-understanding steps, the blob store and the bus are fakes that subclass the real seams
(``MediaSteps``, ``BlobStore``, ``CommandBus``); the bus decides with the real track decider. The same
guarantees on a real filesystem and real ffmpeg are in tests/integration/test_ingest_real_stores.py.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from commands.bus import OutcomeTimeout
from commands.ingest import DuplicateFinder, IngestRejected, IngestService, track_id_for
from commands.ingest_steps import MediaSteps
from commands.staging import BlobClaims
from tests.fakes import FakeCommandBus, InMemoryBlobStore
from tuneton.catalog_values import BlobError
from tuneton.domain.track.events import TrackIngested
from tuneton.domain.track.values import TrackAnalysis
from tuneton.media.covers import CoverImage, CoverSet
from tuneton.media.errors import CorruptMedia, MediaError, NotAudio, TagTooLarge
from tuneton.media.probe import AudioInfo
from tuneton.media.rendition import RenditionSpec, spec_for
from tuneton.media.tags import TrackTags

AUDIO = b"ID3" + bytes(range(256)) * 40
INFO = AudioInfo(
    container="mp3", codec="mp3", duration_s=2.5, sample_rate=44100, channels=2, bitrate=128_000,
    size_bytes=len(AUDIO), mime_type="audio/mpeg",
)  # fmt: skip
ANALYSIS = TrackAnalysis(bpm=120.0, key_tonic=9, key_mode="minor", key_confidence=0.8, lufs=-14.2, peak_dbfs=-1.0)
COVERS = CoverSet(
    source="embedded",
    images=(
        CoverImage(size=96, format="jpeg", data=b"jpeg-96"),
        CoverImage(size=96, format="webp", data=b"webp-96"),
        CoverImage(size=300, format="jpeg", data=b"jpeg-300"),
    ),
)


class Boom(Exception):
    """An injected failure."""


@dataclass
class Upload:
    """An upload source from bytes; ``fail_after`` chunks it raises, like a dropped connection."""

    data: bytes = AUDIO
    file_name: str | None = "01 - Кино - Группа крови.mp3"
    fields: Mapping[str, str] = field(default_factory=dict)
    fail_after: int | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        for n, start in enumerate(range(0, len(self.data), 4096)):
            if self.fail_after is not None and n >= self.fail_after:
                raise Boom("connection dropped")
            yield self.data[start : start + 4096]


class Steps(MediaSteps):
    """Canned results; ``fail`` names the step that raises ``error``."""

    def __init__(
        self,
        fail: str | None = None,
        error: BaseException | None = None,
        *,
        title: str = "Группа крови",
        analysis_s: float = 0.0,
    ) -> None:
        super().__init__(concurrency=1)
        self.fail, self.error, self.title, self.analysis_s = fail, error or Boom(fail), title, analysis_s

    def _maybe(self, step: str) -> None:
        if self.fail == step:
            raise self.error

    async def probe(self, path: Path) -> AudioInfo:
        self._maybe("probe")
        return INFO

    async def tags(self, path: Path, *, container: str, file_name: str | None) -> TrackTags:
        self._maybe("tags")
        return TrackTags(title=self.title, artists=("Кино",), year=1988)

    async def covers(self, path: Path, *, container: str, tags: TrackTags) -> CoverSet:
        self._maybe("covers")
        return COVERS

    async def render(self, path: Path, target: Path, *, info: AudioInfo) -> RenditionSpec:
        self._maybe("render")
        await asyncio.to_thread(target.write_bytes, b"rendition of " + path.name.encode())
        return spec_for(info)

    async def analyse(self, path: Path, *, info: AudioInfo) -> TrackAnalysis | None:
        await asyncio.sleep(self.analysis_s)
        self._maybe("analyse")
        return ANALYSIS


class Duplicates(DuplicateFinder):
    """Knows the hashes in ``known``; ``fail`` makes the lookup raise (read store down)."""

    def __init__(self, known: dict[str, str] | None = None, *, fail: bool = False) -> None:
        self.known, self.fail = known or {}, fail

    async def find(self, sha256: str, viewer: str) -> str | None:
        if self.fail:
            raise Boom("read store down")
        return self.known.get(sha256)


def service(
    tmp_path: Path,
    *,
    blobs: InMemoryBlobStore | None = None,
    bus: FakeCommandBus | None = None,
    steps: Steps | None = None,
    duplicates: Duplicates | None = None,
    claims: BlobClaims | None = None,
) -> IngestService:
    return IngestService(
        blobs=blobs or InMemoryBlobStore(),
        bus=bus or FakeCommandBus(),
        duplicates=duplicates or Duplicates(),
        steps=steps or Steps(),
        tmp_dir=tmp_path / "tmp",
        max_bytes=1024 * 1024,
        claims=claims,
    )


async def test_a_successful_ingest_stores_six_blobs_and_publishes_one_event(tmp_path: Path) -> None:
    blobs, bus = InMemoryBlobStore(), FakeCommandBus()
    result = await service(tmp_path, blobs=blobs, bus=bus).ingest(Upload(), uploader="alice", command_id="c-1")
    assert not result.duplicate
    assert result.outcome is not None
    assert result.outcome.aggregate_version == 1
    [event] = bus.published
    assert isinstance(event, TrackIngested)
    assert event.owner_id == "alice"
    assert event.metadata.title == "Группа крови"
    keys = {event.original.key, *(r.blob.key for r in event.renditions), *(c.blob.key for c in event.covers)}
    assert keys == set(blobs.blobs)
    assert len(keys) == 5
    assert event.original.key.startswith(f"originals/{event.content_sha256[:2]}/")
    assert result.track_id == track_id_for(event.content_sha256, "alice")
    assert list((tmp_path / "tmp").iterdir()) == []


FAILURES: dict[str, dict[str, object]] = {
    "upload stream": {"upload": Upload(fail_after=2)},
    "duplicate lookup": {"duplicates": Duplicates(fail=True)},
    "probe": {"steps": Steps("probe", NotAudio("the file is a png image, not audio", detected="png image"))},
    "tags": {"steps": Steps("tags", TagTooLarge("the file's tags take 10485760 bytes"))},
    "covers": {"steps": Steps("covers")},
    "render": {"steps": Steps("render", CorruptMedia("the audio cannot be decoded to the end"))},
    "put original": {"blobs": InMemoryBlobStore(fail_on_put=1)},
    "put rendition": {"blobs": InMemoryBlobStore(fail_on_put=2)},
    "put first cover": {"blobs": InMemoryBlobStore(fail_on_put=3)},
    "put last cover": {"blobs": InMemoryBlobStore(fail_on_put=5)},
    "submit": {"bus": FakeCommandBus(fail=Boom("log down"))},
}


@pytest.mark.parametrize("step", FAILURES, ids=FAILURES.keys())
async def test_a_failure_at_any_step_leaves_nothing(tmp_path: Path, step: str) -> None:
    setup = dict(FAILURES[step])
    upload = setup.pop("upload", Upload())
    blobs = setup.setdefault("blobs", InMemoryBlobStore())
    bus = setup.setdefault("bus", FakeCommandBus())
    assert isinstance(blobs, InMemoryBlobStore)
    assert isinstance(bus, FakeCommandBus)
    with pytest.raises((Boom, BlobError, MediaError)):
        await service(tmp_path, **setup).ingest(upload, uploader="alice", command_id="c-1")  # type: ignore[arg-type]
    assert blobs.blobs == {}, f"orphans after a failure at {step}"
    assert bus.published == []
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_a_rejected_register_takes_its_blobs_back(tmp_path: Path) -> None:
    blobs, bus = InMemoryBlobStore(), FakeCommandBus()
    ingest = service(tmp_path, blobs=blobs, bus=bus, steps=Steps(title="x" * 2000))  # the decider's limit is 1024
    with pytest.raises(IngestRejected) as rejected:
        await ingest.ingest(Upload(fields={"visibility": "public"}), uploader="alice", command_id="c-1")
    assert rejected.value.outcome.reason == "invalid_value"
    assert blobs.blobs == {}
    assert bus.published == []


async def test_a_known_hash_is_a_duplicate_without_any_work(tmp_path: Path) -> None:
    blobs, bus, steps = InMemoryBlobStore(), FakeCommandBus(), Steps("probe")
    known = {hashlib.sha256(AUDIO).hexdigest(): "existing-track"}
    ingest = service(tmp_path, blobs=blobs, bus=bus, steps=steps, duplicates=Duplicates(known))
    result = await ingest.ingest(Upload(), uploader="bob", command_id="c-2")
    assert (result.track_id, result.duplicate) == ("existing-track", True)
    assert (blobs.puts, bus.submitted) == (0, [])


async def test_a_racing_identical_upload_is_a_duplicate_and_keeps_the_winners_blobs(tmp_path: Path) -> None:
    blobs, bus = InMemoryBlobStore(), FakeCommandBus()
    ingest = service(tmp_path, blobs=blobs, bus=bus)  # the read model has not seen the first one yet
    first = await ingest.ingest(Upload(), uploader="alice", command_id="c-1")
    stored = dict(blobs.blobs)
    second = await ingest.ingest(Upload(), uploader="alice", command_id="c-2")
    assert (second.track_id, second.duplicate) == (first.track_id, True)
    assert blobs.blobs == stored
    assert len(bus.published) == 1


async def test_a_timeout_keeps_the_blobs_because_the_command_may_still_be_decided(tmp_path: Path) -> None:
    blobs = InMemoryBlobStore()
    ingest = service(tmp_path, blobs=blobs, bus=FakeCommandBus(fail=OutcomeTimeout("c-1")))
    with pytest.raises(OutcomeTimeout):
        await ingest.ingest(Upload(), uploader="alice", command_id="c-1")
    assert len(blobs.blobs) == 5


async def test_a_rollback_spares_blobs_that_existed_before_or_that_another_ingest_holds(tmp_path: Path) -> None:
    blobs, claims = InMemoryBlobStore(), BlobClaims()
    shared_cover = "covers/" + "/".join(_split(hashlib.sha256(b"jpeg-96").hexdigest())) + ".jpg"
    blobs.blobs[shared_cover] = (b"jpeg-96", "image/jpeg")  # another track's identical cover
    blobs.puts = 0
    held = "covers/" + "/".join(_split(hashlib.sha256(b"webp-96").hexdigest())) + ".webp"
    claims.claim(held)  # an in-flight ingest elsewhere in this process stores the same bytes
    ingest = service(tmp_path, blobs=blobs, bus=FakeCommandBus(fail=Boom("log down")), claims=claims)
    with pytest.raises(Boom):
        await ingest.ingest(Upload(), uploader="alice", command_id="c-1")
    assert set(blobs.blobs) == {shared_cover, held}


async def test_the_analysis_travels_in_the_event(tmp_path: Path) -> None:
    bus = FakeCommandBus()
    await service(tmp_path, bus=bus).ingest(Upload(), uploader="alice", command_id="c-1")
    [event] = bus.published
    assert isinstance(event, TrackIngested)
    assert event.analysis == ANALYSIS


@pytest.mark.parametrize("error", [Boom("numpy exploded"), MemoryError()], ids=["error", "out of memory"])
async def test_a_failed_analysis_registers_the_track_without_one(tmp_path: Path, error: BaseException) -> None:
    blobs, bus = InMemoryBlobStore(), FakeCommandBus()
    result = await service(tmp_path, blobs=blobs, bus=bus, steps=Steps("analyse", error)).ingest(
        Upload(), uploader="alice", command_id="c-1"
    )
    [event] = bus.published
    assert isinstance(event, TrackIngested)
    assert (result.duplicate, event.analysis, len(blobs.blobs)) == (False, None, 5)


async def test_a_refused_upload_does_not_wait_for_its_analysis(tmp_path: Path) -> None:
    steps = Steps("render", CorruptMedia("the audio cannot be decoded to the end"), analysis_s=60)
    ingest = service(tmp_path, steps=steps)
    with pytest.raises(CorruptMedia):
        await asyncio.wait_for(ingest.ingest(Upload(), uploader="alice", command_id="c-1"), timeout=5)
    await asyncio.sleep(0)  # let the cancellation reach the analysis task
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


def _split(digest: str) -> tuple[str, str, str]:
    return digest[:2], digest[2:4], digest
