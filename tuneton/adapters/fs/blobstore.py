"""BlobStore on a local filesystem: ``<root>/blobs/<key>``, written atomically by temp file + rename.

Layout under ``root``: ``blobs/`` holds the bytes at exactly the key's path (content keys are already
sharded, ``originals/ab/cd/<sha256>``), ``meta/`` a small JSON per blob (content type), ``tmp/`` the
files being written. ``tmp/`` is on the same filesystem, so ``os.replace`` makes a finished blob
appear in one step: a reader sees the old blob or the whole new one, and a crashed or failed write
leaves only a temp file (cleared on :meth:`start`), never a partial blob. Keys are validated by
:func:`tuneton.ports.validate_blob_key` (relative, lower-case segments, no ``..``), so a key's path
stays under ``blobs/`` by construction; the store never creates symlinks, so no key can address a
file outside it. (Resolving every path instead cost an ``lstat`` per path component on every read: a
sixth of the media path's CPU, measured with ``benchmarks/streaming.py --profile``; writes still
resolve, so a symlink planted under ``blobs/`` cannot lead one outside.)
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import BinaryIO

from tuneton.catalog_values import (
    BlobError,
    BlobInfo,
    BlobNotFound,
    BlobRead,
    InvalidBlobKey,
    slice_range,
    validate_blob_key,
)
from tuneton.ports import BlobStore

CHUNK_BYTES = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"


class FilesystemBlobStore(BlobStore):
    """Blobs as files under ``root`` (the embedded runtime's data dir)."""

    def __init__(self, root: Path, *, chunk_bytes: int = CHUNK_BYTES, fsync: bool = True) -> None:
        self._root = root
        self._blobs = root.resolve() / "blobs"
        self._meta = root / "meta"
        self._tmp = root / "tmp"
        self._chunk_bytes = chunk_bytes
        self._fsync = fsync  # off only in benchmarks: durability costs one fsync per blob

    async def start(self) -> None:
        """Create the directories and clear temp files of writes that never finished."""
        for directory in (self._blobs, self._meta, self._tmp):
            directory.mkdir(parents=True, exist_ok=True)
        for leftover in self._tmp.iterdir():
            leftover.unlink(missing_ok=True)

    async def close(self) -> None:
        """Nothing is held open between calls."""

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        """Copy ``path`` into a temp file, then rename it into place."""
        target = self._write_path(key)
        temp = await asyncio.to_thread(self._copy_to_temp, path)
        return await asyncio.to_thread(self._commit, temp, key, target, content_type)

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> BlobInfo:
        """Write the stream to a temp file; only a complete stream is renamed into place."""
        target = self._write_path(key)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        temp = Path(name)
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in chunks:
                    await asyncio.to_thread(fh.write, chunk)
                await asyncio.to_thread(self._flush, fh)
        except BaseException:
            await asyncio.to_thread(temp.unlink, missing_ok=True)
            raise
        return await asyncio.to_thread(self._commit, temp, key, target, content_type)

    async def get(self, key: str, *, offset: int = 0, length: int | None = None) -> BlobRead:
        """Open the file and seek; errors are raised here, before any byte is served (one thread hop)."""
        info, start, size, fh = await asyncio.to_thread(self._open_slice, key, offset, length)
        return _FileRead(info=info, offset=start, length=size, fh=fh, chunk_bytes=self._chunk_bytes)

    async def read_bytes(self, key: str, *, offset: int = 0, length: int | None = None) -> bytes:
        """A slice into memory in one thread hop (stat, open, seek, read), not one per step."""
        return await asyncio.to_thread(self._read_slice, key, offset, length)

    def _open_slice(self, key: str, offset: int, length: int | None) -> tuple[BlobInfo, int, int, BinaryIO]:
        info = self._stat(key)
        start, size = slice_range(info.size, offset, length)
        return info, start, size, self._open_at(key, self._path(key), start)

    def _read_slice(self, key: str, offset: int, length: int | None) -> bytes:
        _, _, size, fh = self._open_slice(key, offset, length)
        with fh:
            return fh.read(size)

    async def stat(self, key: str) -> BlobInfo:
        """Size from the file, content type from its metadata."""
        return await asyncio.to_thread(self._stat, key)

    async def exists(self, key: str) -> bool:
        """Whether the blob file exists."""
        return await asyncio.to_thread(self._path(key).is_file)

    async def delete(self, key: str) -> None:
        """Remove the blob, then its metadata; missing files are fine."""
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)
        await asyncio.to_thread(self._meta_path(key).unlink, missing_ok=True)

    async def url(self, key: str, *, expires_s: int = 3600) -> str | None:
        """No direct URL: the query API serves files itself."""
        validate_blob_key(key)
        return None

    def _path(self, key: str) -> Path:
        return self._blobs / validate_blob_key(key)

    def _write_path(self, key: str) -> Path:
        """``_path``, refused when a symlink someone put under ``blobs/`` would lead the write outside."""
        path = self._path(key)
        if not path.resolve().is_relative_to(self._blobs):
            raise InvalidBlobKey(f"blob key {key!r} leaves the store")
        return path

    def _meta_path(self, key: str) -> Path:
        return self._meta / f"{validate_blob_key(key)}.json"

    def _copy_to_temp(self, source: Path) -> Path:
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, self._chunk_bytes)
                self._flush(out)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def _flush(self, fh: BinaryIO) -> None:
        fh.flush()
        if self._fsync:
            os.fsync(fh.fileno())

    def _commit(self, temp: Path, key: str, target: Path, content_type: str) -> BlobInfo:
        """Metadata first, then the blob: whoever sees the blob sees its (or a newer) content type."""
        meta_target = self._meta_path(key)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="meta-")
        os.close(fd)
        meta_temp = Path(name)
        try:
            meta_temp.write_text(json.dumps({"content_type": content_type}))
            for path in (target, meta_target):
                path.parent.mkdir(parents=True, exist_ok=True)
            os.replace(meta_temp, meta_target)
            os.replace(temp, target)
        except (IsADirectoryError, NotADirectoryError, FileExistsError) as error:
            raise BlobError(f"blob key {key!r} collides with another key's directory") from error
        finally:
            temp.unlink(missing_ok=True)  # both are gone after a successful replace
            meta_temp.unlink(missing_ok=True)
        return BlobInfo(key=key, size=target.stat().st_size, content_type=content_type)

    def _stat(self, key: str) -> BlobInfo:
        try:
            size = self._path(key).stat().st_size
        except (FileNotFoundError, NotADirectoryError):
            raise BlobNotFound(key) from None
        try:
            content_type = str(json.loads(self._meta_path(key).read_text())["content_type"])
        except (OSError, ValueError, KeyError):
            content_type = DEFAULT_CONTENT_TYPE
        return BlobInfo(key=key, size=size, content_type=content_type)

    @staticmethod
    def _open_at(key: str, path: Path, offset: int) -> BinaryIO:
        try:
            fh = path.open("rb")
        except FileNotFoundError:  # deleted between stat and open
            raise BlobNotFound(key) from None
        fh.seek(offset)
        return fh


class _FileRead(BlobRead):
    def __init__(self, *, info: BlobInfo, offset: int, length: int, fh: BinaryIO, chunk_bytes: int) -> None:
        self.info, self.offset, self.length = info, offset, length
        self._fh = fh
        self._chunk_bytes = chunk_bytes

    async def chunks(self) -> AsyncIterator[bytes]:
        remaining = self.length
        try:
            while remaining > 0:
                chunk = await asyncio.to_thread(self._fh.read, min(self._chunk_bytes, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        self._fh.close()
