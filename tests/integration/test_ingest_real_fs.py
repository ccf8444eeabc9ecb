"""Ingest on the real filesystem blob store with real ffmpeg: all or nothing at every step.

The steps are the real ones (probe, tags, covers, rendition); a subclass lets one of them, or the
blob store, or the bus, fail *after* the real work, so the files it produced exist when the failure
hits. Afterwards the store holds no blob, no metadata and no temp file, and no event was decided.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from commands.ingest import IngestService
from commands.ingest_steps import MediaSteps
from tests.fakes import FakeCommandBus
from tests.media_files import jpeg, synth, tag_id3
from tests.unit.test_ingest_atomicity import Duplicates
from tuneton.adapters.fs.blobstore import FilesystemBlobStore
from tuneton.catalog_values import BlobError, BlobInfo
from tuneton.domain.track.events import TrackIngested
from tuneton.media.covers import CoverSet
from tuneton.media.probe import AudioInfo
from tuneton.media.rendition import RenditionSpec
from tuneton.media.tags import TrackTags


class Boom(Exception):
    """An injected failure."""


@dataclass
class FileUpload:
    """A local file as an upload source."""

    path: Path
    file_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    async def chunks(self) -> AsyncIterator[bytes]:
        with self.path.open("rb") as fh:
            while chunk := fh.read(64 * 1024):
                yield chunk


class FailingSteps(MediaSteps):
    """The real steps; the one named ``fail`` raises after doing its work."""

    def __init__(self, fail: str | None = None) -> None:
        super().__init__(concurrency=1)
        self.fail = fail

    def _after(self, step: str) -> None:
        if step == self.fail:
            raise Boom(step)

    async def probe(self, path: Path) -> AudioInfo:
        info = await super().probe(path)
        self._after("probe")
        return info

    async def tags(self, path: Path, *, container: str, file_name: str | None) -> TrackTags:
        tags = await super().tags(path, container=container, file_name=file_name)
        self._after("tags")
        return tags

    async def covers(self, path: Path, *, container: str, tags: TrackTags) -> CoverSet:
        covers = await super().covers(path, container=container, tags=tags)
        self._after("covers")
        return covers

    async def render(self, path: Path, target: Path, *, info: AudioInfo) -> RenditionSpec:
        spec = await super().render(path, target, info=info)
        self._after("render")
        return spec


class FailingStore(FilesystemBlobStore):
    """The real filesystem store; the ``fail_on``-th put raises after the blob is in place."""

    def __init__(self, root: Path, *, fail_on: int | None = None) -> None:
        super().__init__(root)
        self.fail_on, self.puts = fail_on, 0

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        info = await super().put_file(key, path, content_type=content_type)
        return self._count(info)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> BlobInfo:
        info = await super().put_bytes(key, data, content_type=content_type)
        return self._count(info)

    def _count(self, info: BlobInfo) -> BlobInfo:
        self.puts += 1
        if self.puts == self.fail_on:
            raise BlobError(f"injected failure after put {self.puts}")
        return info


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = synth(tmp_path_factory.mktemp("song") / "song.mp3", seconds=3.0)
    tag_id3(path, cover=jpeg(), title="Звезда по имени Солнце", artist="Кино", album="Звезда", date="1989")
    return path


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def ingest(root: Path, song: Path, *, steps: MediaSteps, store: FilesystemBlobStore, bus: FakeCommandBus) -> None:
    await store.start()
    service = IngestService(
        blobs=store, bus=bus, duplicates=Duplicates(), steps=steps, tmp_dir=root / "tmp", max_bytes=50_000_000
    )
    await service.ingest(FileUpload(song, file_name="song.mp3"), uploader="alice", command_id="c-1")


async def test_a_real_ingest_stores_original_rendition_and_six_covers(tmp_path: Path, song: Path) -> None:
    store, bus = FilesystemBlobStore(tmp_path / "blobs"), FakeCommandBus()
    await ingest(tmp_path, song, steps=MediaSteps(), store=store, bus=bus)
    [event] = bus.published
    assert isinstance(event, TrackIngested)
    assert event.metadata.title == "Звезда по имени Солнце"
    assert event.cover_source == "embedded"
    assert len(event.covers) == 6
    assert event.renditions[0].blob.mime_type == "audio/mp4"
    assert len(files_under(tmp_path / "blobs" / "blobs")) == 8
    assert await store.read_bytes(event.original.key) == song.read_bytes()  # noqa: ASYNC240 - small file
    assert files_under(tmp_path / "tmp") == []


@pytest.mark.parametrize("failure", ["probe", "tags", "covers", "render", "put 1", "put 2", "put 3", "put 8", "submit"])
async def test_a_failure_at_any_step_leaves_no_file(tmp_path: Path, song: Path, failure: str) -> None:
    fail_on = int(failure.split()[1]) if failure.startswith("put") else None
    store = FailingStore(tmp_path / "blobs", fail_on=fail_on)
    bus = FakeCommandBus(fail=Boom("log down") if failure == "submit" else None)
    steps = FailingSteps(failure if failure in {"probe", "tags", "covers", "render"} else None)
    with pytest.raises((Boom, BlobError)):
        await ingest(tmp_path, song, steps=steps, store=store, bus=bus)
    assert files_under(tmp_path / "blobs") == []
    assert bus.published == []
    assert files_under(tmp_path / "tmp") == []
