"""The BlobStore contract on the filesystem adapter, plus what only a filesystem can show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.blob_store_contract import DATA, BlobStoreContract, stream
from tuneton.adapters.fs.blobstore import FilesystemBlobStore
from tuneton.catalog_values import content_key
from tuneton.ports import BlobStore


class TestFilesystemBlobStore(BlobStoreContract):
    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[BlobStore]:
        blobs = FilesystemBlobStore(tmp_path / "data")
        await blobs.start()
        yield blobs
        await blobs.close()


async def test_blobs_live_at_their_sharded_key_and_nowhere_else(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    await store.start()
    key = content_key("originals", "ab" * 32, ".mp3")
    await store.put_bytes(key, DATA, content_type="audio/mpeg")
    assert (tmp_path / "blobs" / "originals" / "ab" / "ab" / f"{'ab' * 32}.mp3").read_bytes() == DATA
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_a_failed_stream_leaves_no_temp_file(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    await store.start()
    with pytest.raises(ConnectionResetError):
        await store.put_stream("a/b", stream(b"x", b"y", fail_after=1), content_type="audio/mpeg")
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "blobs" / "a" / "b").exists()


async def test_start_clears_temp_files_of_a_crashed_writer(tmp_path: Path) -> None:
    (tmp_path / "tmp").mkdir(parents=True)
    (tmp_path / "tmp" / "put-crashed").write_bytes(b"half a file")
    await FilesystemBlobStore(tmp_path).start()
    assert list((tmp_path / "tmp").iterdir()) == []


async def test_a_symlink_cannot_lead_a_key_out_of_the_store(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path / "data")
    await store.start()
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "data" / "blobs" / "escape").symlink_to(outside)
    from tuneton.catalog_values import InvalidBlobKey

    with pytest.raises(InvalidBlobKey):
        await store.put_bytes("escape/file", b"x", content_type="text/plain")
    assert list(outside.iterdir()) == []
