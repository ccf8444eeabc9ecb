"""Pure helpers of the catalog ports: content keys, key validation, range slicing."""

from __future__ import annotations

import hashlib

import pytest

from tuneton.catalog_values import (
    SEARCH_TOTAL_CAP,
    InvalidBlobKey,
    InvalidRange,
    SearchPage,
    SearchQuery,
    content_key,
    slice_range,
    validate_blob_key,
)


def test_content_keys_are_sharded_by_digest_prefix() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert content_key("originals", digest.upper(), ".mp3") == f"originals/{digest[:2]}/{digest[2:4]}/{digest}.mp3"
    with pytest.raises(InvalidBlobKey):
        content_key("originals", "not-a-digest")


@pytest.mark.parametrize("key", ["a", "originals/ab/cd/x.mp3", "covers/0f/1e/abc-600.webp"])
def test_valid_keys(key: str) -> None:
    assert validate_blob_key(key) == key


@pytest.mark.parametrize(
    ("size", "offset", "length", "expected"), [(10, 0, None, (0, 10)), (10, 8, 5, (8, 2)), (10, 10, None, (10, 0))]
)
def test_slice_range(size: int, offset: int, length: int | None, expected: tuple[int, int]) -> None:
    assert slice_range(size, offset, length) == expected


def test_slice_range_refusals() -> None:
    with pytest.raises(InvalidRange):
        slice_range(10, 11, None)
    with pytest.raises(ValueError, match="negative"):
        slice_range(10, 0, -1)


@pytest.mark.parametrize(("offset", "limit"), [(-1, 10), (0, 0), (0, 101), (9_995, 10)])
def test_search_queries_bound_their_pages(offset: int, limit: int) -> None:
    with pytest.raises(ValueError, match="must"):
        SearchQuery(offset=offset, limit=limit)


@pytest.mark.parametrize(
    ("matches", "total", "exact"),
    [(0, 0, True), (7, 7, True), (SEARCH_TOTAL_CAP, SEARCH_TOTAL_CAP, True),
     (SEARCH_TOTAL_CAP + 1, SEARCH_TOTAL_CAP, False), (50_000, SEARCH_TOTAL_CAP, False)],
)  # fmt: skip
def test_search_totals_are_exact_up_to_the_cap(matches: int, total: int, exact: bool) -> None:
    page = SearchPage.counted(matches, ())
    assert (page.total, page.total_exact, page.hits) == (total, exact, ())
