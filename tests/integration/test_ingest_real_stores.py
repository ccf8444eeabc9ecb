"""Ingest on the real blob stores (filesystem; S3 on versitygw) with real ffmpeg: all or nothing at every step.

The steps are the real ones (probe, tags, covers, rendition); a subclass lets one of them, or the
blob store, or the bus, fail *after* the real work, so the files it produced exist when the failure
hits. Afterwards the store holds no blob (no file, no metadata, no object) and no temp file, and no
event was decided.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from commands.ingest import IngestService
from commands.ingest_steps import MediaSteps
from tests.fakes import FakeCommandBus
from tests.media_files import jpeg, synth, tag_id3
from tests.unit.test_ingest_atomicity import Duplicates
from tuneton.adapters.fs.blobstore import FilesystemBlobStore
from tuneton.catalog_values import BlobError, BlobInfo, BlobRead
from tuneton.domain.track.events import TrackIngested
from tuneton.media.covers import CoverSet
from tuneton.media.probe import AudioInfo
from tuneton.media.rendition import RenditionSpec
from tuneton.media.tags import TrackTags
from tuneton.ports import BlobStore


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


class FailingStore(BlobStore):
    """A real store; the ``fail_on``-th put raises *after* the blob is in place (a lost reply)."""

    def __init__(self, inner: BlobStore, *, fail_on: int | None = None) -> None:
        self.inner, self.fail_on, self.puts = inner, fail_on, 0

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        return self._count(await self.inner.put_file(key, path, content_type=content_type))

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> BlobInfo:
        return self._count(await self.inner.put_stream(key, chunks, content_type=content_type))

    async def get(self, key: str, *, offset: int = 0, length: int | None = None) -> BlobRead:
        return await self.inner.get(key, offset=offset, length=length)

    async def stat(self, key: str) -> BlobInfo:
        return await self.inner.stat(key)

    async def exists(self, key: str) -> bool:
        return await self.inner.exists(key)

    async def delete(self, key: str) -> None:
        await self.inner.delete(key)

    async def url(self, key: str, *, expires_s: int = 3600) -> str | None:
        return await self.inner.url(key, expires_s=expires_s)

    def _count(self, info: BlobInfo) -> BlobInfo:
        self.puts += 1
        if self.puts == self.fail_on:
            raise BlobError(f"injected failure after put {self.puts}")
        return info


@dataclass
class Backend:
    """A fresh real store and a way to list everything stored in it."""

    make: Callable[[], BlobStore]
    listing: Callable[[], list[str]]


@pytest.fixture(params=["fs", pytest.param("s3", marks=pytest.mark.s3)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "fs":
        root = tmp_path / "blobs"
        return Backend(lambda: FilesystemBlobStore(root), lambda: [str(p) for p in files_under(root)])
    from minio import Minio

    from tests.fixtures.catalog_servers import S3Endpoint
    from tuneton.adapters.s3.blobstore import S3BlobStore

    s3: S3Endpoint = request.getfixturevalue("s3_endpoint")
    bucket = f"tuneton-ingest-{uuid.uuid4().hex[:10]}"
    client = Minio(s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, secure=False)
    return Backend(
        lambda: S3BlobStore(endpoint=s3.endpoint, access_key=s3.access_key, secret_key=s3.secret_key, bucket=bucket),
        lambda: [o.object_name for o in client.list_objects(bucket, recursive=True)],
    )


@pytest.fixture(scope="module")
def song(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = synth(tmp_path_factory.mktemp("song") / "song.mp3", seconds=3.0)
    tag_id3(path, cover=jpeg(), title="Звезда по имени Солнце", artist="Кино", album="Звезда", date="1989")
    return path


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


async def ingest(root: Path, song: Path, *, steps: MediaSteps, store: BlobStore, bus: FakeCommandBus) -> None:
    await store.start()
    service = IngestService(
        blobs=store, bus=bus, duplicates=Duplicates(), steps=steps, tmp_dir=root / "tmp", max_bytes=50_000_000
    )
    await service.ingest(FileUpload(song, file_name="song.mp3"), uploader="alice", command_id="c-1")


async def test_a_real_ingest_stores_original_rendition_and_six_covers(
    tmp_path: Path, song: Path, backend: Backend
) -> None:
    store, bus = backend.make(), FakeCommandBus()
    await ingest(tmp_path, song, steps=MediaSteps(), store=store, bus=bus)
    [event] = bus.published
    assert isinstance(event, TrackIngested)
    assert event.metadata.title == "Звезда по имени Солнце"
    assert event.cover_source == "embedded"
    assert len(event.covers) == 6
    assert (event.renditions[0].codec, event.renditions[0].blob.mime_type) == ("mp3", "audio/mpeg")  # copied
    assert len([key for key in backend.listing() if "/meta/" not in key]) == 8
    assert await store.read_bytes(event.original.key) == song.read_bytes()  # noqa: ASYNC240 - small file
    assert files_under(tmp_path / "tmp") == []


@pytest.mark.parametrize("failure", ["probe", "tags", "covers", "render", "put 1", "put 2", "put 3", "put 8", "submit"])
async def test_a_failure_at_any_step_leaves_nothing(tmp_path: Path, song: Path, failure: str, backend: Backend) -> None:
    fail_on = int(failure.split()[1]) if failure.startswith("put") else None
    store = FailingStore(backend.make(), fail_on=fail_on)
    bus = FakeCommandBus(fail=Boom("log down") if failure == "submit" else None)
    steps = FailingSteps(failure if failure in {"probe", "tags", "covers", "render"} else None)
    with pytest.raises((Boom, BlobError)):
        await ingest(tmp_path, song, steps=steps, store=store, bus=bus)
    assert backend.listing() == []
    assert bus.published == []
    assert files_under(tmp_path / "tmp") == []
