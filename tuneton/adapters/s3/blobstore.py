"""BlobStore on any S3-compatible server (MinIO, versitygw, AWS) through the official ``minio`` client.

S3 already gives the atomicity the port promises: an object appears only when its single PUT or its
multipart upload *completes*, and the client aborts a failed multipart upload. Streams of unknown
length are spooled to a local temp file first, so the client can upload them with a known size and
memory stays flat. The client is synchronous; every call runs in a worker thread so the event loop
never blocks on the network.

An unreachable server (refused, reset, timed out) is :class:`BlobUnavailable` after a few seconds —
connect timeout 3 s, two quick retries — rather than minio's defaults (5-minute timeouts, five
retries), so an upload answers 503 with Retry-After while S3 is away instead of hanging.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import certifi
import urllib3
from minio import Minio
from minio.error import S3Error
from urllib3.util import Retry, Timeout

from tuneton.catalog_values import (
    BlobError,
    BlobInfo,
    BlobNotFound,
    BlobRead,
    BlobUnavailable,
    slice_range,
    validate_blob_key,
)
from tuneton.ports import BlobStore

CHUNK_BYTES = 1024 * 1024
PART_BYTES = 16 * 1024 * 1024  # multipart part size: 10,000 parts allow objects up to ~160 GB
_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}
T = TypeVar("T")


def _http_client(*, secure: bool) -> urllib3.PoolManager:
    """minio's own client settings, with timeouts and retries that let an outage surface in seconds.

    The read timeout bounds one socket read, not a whole transfer, so large uploads are unaffected.
    """
    return urllib3.PoolManager(
        timeout=Timeout(connect=3, read=60),
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if secure else "CERT_NONE",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=Retry(total=2, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]),
    )


class S3BlobStore(BlobStore):
    """Blobs as objects in one bucket (created on :meth:`start` if missing)."""

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        chunk_bytes: int = CHUNK_BYTES,
    ) -> None:
        self._connect = partial(
            Minio,
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=_http_client(secure=secure),
        )
        self._bucket = bucket
        self._chunk_bytes = chunk_bytes
        self._client: Minio | None = None

    async def start(self) -> None:
        """Build the client (no I/O) and create the bucket if it does not exist."""
        if self._client is None:
            self._client = self._connect()
        client = self._client
        if not await self._call(client.bucket_exists, self._bucket):
            try:
                await self._call(client.make_bucket, self._bucket)
            except BlobError:
                if not await self._call(client.bucket_exists, self._bucket):  # lost a creation race: fine
                    raise

    async def close(self) -> None:
        """Drop the client; its urllib3 pool closes with it."""
        self._client = None

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        """Upload ``path``: one PUT, or a multipart upload that S3 assembles atomically."""
        validate_blob_key(key)
        await self._call(
            self._minio.fput_object, self._bucket, key, str(path), content_type=content_type, part_size=PART_BYTES
        )
        size = (await asyncio.to_thread(path.stat)).st_size
        return BlobInfo(key=key, size=size, content_type=content_type)

    async def put_stream(self, key: str, chunks: AsyncIterable[bytes], *, content_type: str) -> BlobInfo:
        """Spool the stream to a temp file, then upload it; a failing stream uploads nothing."""
        validate_blob_key(key)
        fd, name = tempfile.mkstemp(prefix="tuneton-s3-")
        try:
            with os.fdopen(fd, "wb") as fh:
                async for chunk in chunks:
                    await asyncio.to_thread(fh.write, chunk)
            return await self.put_file(key, Path(name), content_type=content_type)
        finally:
            await asyncio.to_thread(os.unlink, name)

    async def get(self, key: str, *, offset: int = 0, length: int | None = None) -> BlobRead:
        """HEAD for size and type, then a ranged GET (none at all for an empty slice)."""
        info = await self.stat(key)
        start, size = slice_range(info.size, offset, length)
        if size == 0:
            return _S3Read(info=info, offset=start, length=0, response=None, chunk_bytes=self._chunk_bytes)
        response = await self._call(self._minio.get_object, self._bucket, key, offset=start, length=size, key=key)
        return _S3Read(info=info, offset=start, length=size, response=response, chunk_bytes=self._chunk_bytes)

    async def stat(self, key: str) -> BlobInfo:
        """HEAD the object."""
        validate_blob_key(key)
        found = await self._call(self._minio.stat_object, self._bucket, key, key=key)
        content_type = found.content_type or "application/octet-stream"
        return BlobInfo(key=key, size=int(found.size or 0), content_type=content_type)

    async def exists(self, key: str) -> bool:
        """HEAD the object; a 404 is False."""
        try:
            await self.stat(key)
        except BlobNotFound:
            return False
        return True

    async def delete(self, key: str) -> None:
        """DELETE; S3 answers 204 for a missing key too."""
        validate_blob_key(key)
        await self._call(self._minio.remove_object, self._bucket, key)

    async def url(self, key: str, *, expires_s: int = 3600) -> str:
        """A presigned GET URL (signed locally, no request)."""
        validate_blob_key(key)
        return await self._call(
            self._minio.presigned_get_object, self._bucket, key, expires=timedelta(seconds=expires_s)
        )

    @property
    def _minio(self) -> Minio:
        if self._client is None:
            raise BlobError("S3BlobStore used before start()")
        return self._client

    @staticmethod
    async def _call(function: Callable[..., T], *args: Any, key: str | None = None, **kwargs: Any) -> T:
        """Run a client call in a thread; a missing object becomes BlobNotFound, other S3 errors BlobError,
        and an unreachable server BlobUnavailable."""
        try:
            return await asyncio.to_thread(function, *args, **kwargs)
        except S3Error as error:
            if key is not None and error.code in _MISSING:
                raise BlobNotFound(key) from None
            raise BlobError(f"S3 {error.code}: {error.message}") from error
        except (urllib3.exceptions.HTTPError, OSError) as error:  # refused, reset, timed out: S3 is away
            raise BlobUnavailable(f"S3: {error!r}") from error


class _S3Read(BlobRead):
    def __init__(self, *, info: BlobInfo, offset: int, length: int, response: Any, chunk_bytes: int) -> None:
        self.info, self.offset, self.length = info, offset, length
        self._response = response
        self._chunk_bytes = chunk_bytes

    async def chunks(self) -> AsyncIterator[bytes]:
        if self._response is None:
            return
        stream: Iterator[bytes] = self._response.stream(self._chunk_bytes)
        try:
            while (chunk := await asyncio.to_thread(next, stream, b"")) != b"":
                yield chunk
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()
            response.release_conn()
