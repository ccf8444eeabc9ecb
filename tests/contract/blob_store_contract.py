"""The BlobStore contract: atomic puts, ranged reads, safe keys — the same on files and on S3.

Subclasses provide a started, empty ``store``. Every test writes under its own random prefix, so an
S3 bucket can be shared by a whole session.
"""

from __future__ import annotations

import abc
import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tuneton.catalog_values import BlobNotFound, InvalidBlobKey, InvalidRange, content_key
from tuneton.ports import BlobStore

DATA = bytes(range(256)) * 40  # 10,240 bytes, every byte value, position-dependent


async def stream(*parts: bytes, fail_after: int | None = None) -> AsyncIterator[bytes]:
    """Chunks of an upload; with ``fail_after`` the client disconnects after that many chunks."""
    for index, part in enumerate(parts):
        if fail_after is not None and index == fail_after:
            raise ConnectionResetError("client went away")
        yield part
        await asyncio.sleep(0)


class BlobStoreContract(abc.ABC):
    """Inherit and implement ``store``."""

    @pytest.fixture
    @abc.abstractmethod
    async def store(self) -> AsyncIterator[BlobStore]:
        """A started store."""
        yield  # type: ignore[misc]

    @pytest.fixture
    def key(self) -> str:
        """A content key nobody else uses."""
        return content_key(f"test-{uuid.uuid4().hex[:8]}", hashlib.sha256(os.urandom(8)).hexdigest(), ".bin")

    async def test_a_file_round_trips_with_its_content_type(self, store: BlobStore, key: str, tmp_path: Path) -> None:
        path = tmp_path / "upload"
        path.write_bytes(DATA)
        info = await store.put_file(key, path, content_type="audio/mpeg")
        assert (info.key, info.size, info.content_type) == (key, len(DATA), "audio/mpeg")
        assert await store.stat(key) == info
        assert await store.read_bytes(key) == DATA
        assert await store.exists(key)

    async def test_a_stream_round_trips(self, store: BlobStore, key: str) -> None:
        info = await store.put_stream(key, stream(DATA[:100], DATA[100:5000], DATA[5000:]), content_type="audio/flac")
        assert info.size == len(DATA)
        read = await store.get(key)
        assert (read.info, read.offset, read.length) == (info, 0, len(DATA))
        assert await read.read_all() == DATA

    async def test_a_large_blob_streams_back_in_bounded_chunks(self, store: BlobStore, key: str) -> None:
        data = os.urandom(5 * 1024 * 1024 + 17)
        await store.put_bytes(key, data, content_type="audio/wav")
        digest, largest = hashlib.sha256(), 0
        read = await store.get(key)
        async for chunk in read.chunks():
            digest.update(chunk)
            largest = max(largest, len(chunk))
        assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
        assert largest <= 1024 * 1024

    async def test_an_empty_blob(self, store: BlobStore, key: str) -> None:
        info = await store.put_bytes(key, b"", content_type="application/octet-stream")
        assert info.size == 0
        assert await store.read_bytes(key) == b""

    @pytest.mark.parametrize(
        ("offset", "length", "expected"),
        [
            (0, 10, DATA[:10]),
            (1000, 500, DATA[1000:1500]),
            (10_000, None, DATA[10_000:]),
            (10_200, 1000, DATA[10_200:]),  # cut short at the end, like an HTTP Range
            (len(DATA) - 1, 1, DATA[-1:]),
            (len(DATA), None, b""),  # offset == size: an empty read
            (5, 0, b""),
        ],
    )
    async def test_ranged_reads(
        self, store: BlobStore, key: str, offset: int, length: int | None, expected: bytes
    ) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        read = await store.get(key, offset=offset, length=length)
        assert (read.offset, read.length, read.info.size) == (offset, len(expected), len(DATA))
        assert await read.read_all() == expected
        assert await store.read_bytes(key, offset=offset, length=length) == expected  # in one go, as small bodies

    async def test_a_read_past_the_end_is_an_invalid_range(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        with pytest.raises(InvalidRange):
            await store.get(key, offset=len(DATA) + 1)
        with pytest.raises(InvalidRange):
            await store.read_bytes(key, offset=len(DATA) + 1, length=1)
        with pytest.raises(ValueError, match="negative"):
            await store.get(key, offset=-1)

    async def test_an_unread_slice_can_be_closed(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        read = await store.get(key, offset=10)
        await read.aclose()
        await read.aclose()  # idempotent
        assert await store.read_bytes(key, offset=10, length=3) == DATA[10:13]

    async def test_missing_blobs(self, store: BlobStore, key: str) -> None:
        assert not await store.exists(key)
        with pytest.raises(BlobNotFound) as caught:
            await store.stat(key)
        assert caught.value.key == key
        with pytest.raises(BlobNotFound):
            await store.get(key)
        await store.delete(key)  # deleting nothing is fine

    async def test_delete(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        await store.delete(key)
        assert not await store.exists(key)
        with pytest.raises(BlobNotFound):
            await store.read_bytes(key)

    async def test_a_put_replaces_the_whole_blob(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        await store.put_bytes(key, b"short", content_type="image/jpeg")
        assert await store.read_bytes(key) == b"short"
        assert (await store.stat(key)).content_type == "image/jpeg"

    async def test_a_failed_stream_stores_nothing(self, store: BlobStore, key: str) -> None:
        with pytest.raises(ConnectionResetError):
            await store.put_stream(key, stream(DATA[:100], DATA[100:], b"x", fail_after=2), content_type="audio/mpeg")
        assert not await store.exists(key)

    async def test_a_failed_overwrite_keeps_the_old_blob(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        with pytest.raises(ConnectionResetError):
            await store.put_stream(key, stream(b"new", b"data", fail_after=1), content_type="audio/mpeg")
        assert await store.read_bytes(key) == DATA

    async def test_concurrent_puts_leave_one_whole_blob(self, store: BlobStore, key: str) -> None:
        first, second = os.urandom(300_000), os.urandom(200_000)
        await asyncio.gather(
            store.put_stream(key, stream(first[:100_000], first[100_000:]), content_type="audio/mpeg"),
            store.put_stream(key, stream(second[:50_000], second[50_000:]), content_type="audio/mpeg"),
        )
        assert await store.read_bytes(key) in {first, second}

    @pytest.mark.parametrize(
        "bad",
        ["", "../etc/passwd", "a/../../b", "/absolute", "a//b", "A/B", "a\\b", "a/.hidden", "a/b/", "..", "a b",
         "ключ", "a/\x00b"],
    )  # fmt: skip
    async def test_unsafe_keys_are_refused_before_any_io(self, store: BlobStore, bad: str) -> None:
        with pytest.raises(InvalidBlobKey):
            await store.put_bytes(bad, b"x", content_type="text/plain")
        with pytest.raises(InvalidBlobKey):
            await store.get(bad)
        with pytest.raises(InvalidBlobKey):
            await store.delete(bad)

    async def test_a_url_is_absent_or_fetches_the_blob(self, store: BlobStore, key: str) -> None:
        await store.put_bytes(key, DATA, content_type="audio/mpeg")
        url = await store.url(key, expires_s=60)
        if url is not None:
            async with httpx.AsyncClient() as client:
                response = await client.get(url, headers={"Range": "bytes=10-19"})
            assert response.status_code == 206
            assert response.content == DATA[10:20]
