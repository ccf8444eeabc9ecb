"""Content fingerprints: SHA-256 of a file or a stream, computed in fixed-size chunks.

The digest is the track's identity in storage (content-addressed keys) and what makes an identical
re-upload resolve to the existing track. Uploads can be hundreds of megabytes, so nothing here holds
more than one chunk in memory; :func:`spool` also enforces the upload size limit while copying, so
an oversized upload is cut off at the limit instead of being written out in full first.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tuneton.media.errors import MediaTooLarge

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Fingerprint:
    """The SHA-256 (lower-case hex) and the length of some content."""

    sha256: str
    size: int


def sha256_file(path: Path) -> Fingerprint:
    """Fingerprint a file, reading it in chunks (``hashlib.file_digest`` streams with a fixed buffer)."""
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256")
        return Fingerprint(sha256=digest.hexdigest(), size=fh.tell())


def sha256_stream(stream: BinaryIO, *, chunk_bytes: int = CHUNK_BYTES) -> Fingerprint:
    """Fingerprint what is left in a binary stream (a socket, a pipe, an open file)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(chunk_bytes):
        digest.update(chunk)
        size += len(chunk)
    return Fingerprint(sha256=digest.hexdigest(), size=size)


async def spool(chunks: AsyncIterable[bytes], target: BinaryIO, *, max_bytes: int | None = None) -> Fingerprint:
    """Copy an async byte stream (an HTTP upload) to ``target`` while hashing it.

    Raises :class:`MediaTooLarge` as soon as more than ``max_bytes`` arrive; the caller owns ``target``
    and deletes it (it is a temporary file), so nothing partial survives.
    """
    digest = hashlib.sha256()
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise MediaTooLarge(f"the upload exceeds {max_bytes} bytes", limit=max_bytes)
        digest.update(chunk)
        target.write(chunk)
    target.flush()
    return Fingerprint(sha256=digest.hexdigest(), size=size)
