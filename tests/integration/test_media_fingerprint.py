"""Streaming SHA-256: same digest as hashlib on the whole content, without holding it, with a size cap."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tuneton.media.errors import MediaTooLarge
from tuneton.media.fingerprint import CHUNK_BYTES, sha256_file, sha256_stream, spool


def test_file_digest_matches_hashlib(tmp_path: Path) -> None:
    data = os.urandom(3 * CHUNK_BYTES + 123)
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert sha256_file(path).sha256 == hashlib.sha256(data).hexdigest()
    assert sha256_file(path).size == len(data)
    assert sha256_stream(io.BytesIO(data), chunk_bytes=1000).sha256 == hashlib.sha256(data).hexdigest()


def test_empty_content() -> None:
    assert sha256_stream(io.BytesIO(b"")).sha256 == hashlib.sha256(b"").hexdigest()


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_spool_copies_and_hashes() -> None:
    target = io.BytesIO()
    found = await spool(chunks(b"abc", b"def"), target, max_bytes=6)
    assert (found.sha256, found.size, target.getvalue()) == (hashlib.sha256(b"abcdef").hexdigest(), 6, b"abcdef")


async def test_spool_stops_at_the_limit() -> None:
    target = io.BytesIO()
    with pytest.raises(MediaTooLarge) as caught:
        await spool(chunks(b"abc", b"defg", b"never read"), target, max_bytes=6)
    assert caught.value.reason == "too_large"
    assert target.getvalue() == b"abc"  # the chunk that crossed the limit was never written
