"""HTTP byte ranges and cache headers for blobs (query_api/blobs.py), as RFC 9110 reads."""

from __future__ import annotations

import pytest

from query_api.blobs import RangeNotSatisfiable, Served, cache_control, parse_range

SIZE = 1000


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=999-999", (999, 999)),
        ("bytes= 5 - 9 ", (5, 9)),
        ("items=0-5", None),  # another unit: ignored
        ("bytes=0-1,5-9", None),  # several ranges: we send the whole body
        ("bytes=abc", None),  # unparseable: ignored
        ("bytes=-", None),
    ],
)
def test_satisfiable_or_ignored(header: str | None, expected: tuple[int, int] | None) -> None:
    assert parse_range(header, SIZE) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=500-100", "bytes=-0"])
def test_unsatisfiable(header: str) -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range(header, SIZE)


def test_an_empty_blob_has_no_suffix() -> None:
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-1", 0)


@pytest.mark.parametrize(
    ("private", "version", "expected"),
    [
        (False, "ab" * 32, "public, max-age=31536000, immutable"),
        (True, "ab" * 32, "private, max-age=31536000, immutable"),
        (False, None, "public, no-cache"),
        (False, "stale", "public, no-cache"),
    ],
)
def test_only_versioned_urls_are_immutable(private: bool, version: str | None, expected: str) -> None:
    served = Served(key="k", sha256="ab" * 32, size=1, mime_type="audio/mp4", private=private)
    assert cache_control(served, version) == expected
