"""Values and errors of the catalog ports (:class:`tuneton.ports.BlobStore`, :class:`tuneton.ports.SearchIndex`).

Kept out of ``ports.py`` so that file stays a readable list of abstract ports; ``tuneton.ports``
re-exports every name, so import them from there.
"""

from __future__ import annotations

import abc
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

from tuneton.availability import StoreUnavailable
from tuneton.domain.errors import TuneTonError


class BlobError(TuneTonError):
    """A blob store refused or failed an operation."""


class BlobUnavailable(BlobError, StoreUnavailable):
    """The blob store's server did not answer (connection refused, timed out): retry later."""

    def __init__(self, reason: str) -> None:
        StoreUnavailable.__init__(self, "blob store", reason)


class BlobNotFound(BlobError, LookupError):
    """No blob is stored under the key."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no blob under {key!r}")
        self.key = key


class InvalidBlobKey(BlobError, ValueError):
    """The key breaks :data:`BLOB_KEY_PATTERN` (e.g. ``..``, a leading ``/``, upper case)."""


class InvalidRange(BlobError, ValueError):
    """A read starts past the end of the blob (HTTP 416)."""


# Lower-case segments of [a-z0-9._-] starting with a letter or digit: no "..", no absolute paths, no
# backslashes, nothing a filesystem or an S3 gateway could read as a different path.
BLOB_KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]{0,127}(?:/[a-z0-9][a-z0-9._-]{0,127}){0,15}")


def validate_blob_key(key: str) -> str:
    """Return ``key`` if it is a valid blob key, else raise :class:`InvalidBlobKey`."""
    if not BLOB_KEY_PATTERN.fullmatch(key) or ".." in key:
        raise InvalidBlobKey(f"invalid blob key {key!r}")
    return key


def content_key(namespace: str, sha256: str, suffix: str = "") -> str:
    """The content-addressed key of a blob: ``namespace/ab/cd/abcd…<suffix>``.

    Two levels of two hex characters keep directories small on a filesystem (65,536 leaves) and
    spread S3 listings; the full digest in the name makes the key self-verifying.
    """
    digest = sha256.lower()
    if not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise InvalidBlobKey(f"not a SHA-256 hex digest: {sha256!r}")
    return validate_blob_key(f"{namespace}/{digest[:2]}/{digest[2:4]}/{digest}{suffix}")


def slice_range(size: int, offset: int, length: int | None) -> tuple[int, int]:
    """(start, byte count) of a read of a ``size``-byte blob, HTTP Range style: cut short at the end.

    Shared by the adapters so every store answers edge cases alike. Raises ValueError for negative
    numbers and :class:`InvalidRange` for a start past the end (``offset == size`` reads nothing).
    """
    if offset < 0 or (length is not None and length < 0):
        raise ValueError("offset and length must not be negative")
    if offset > size:
        raise InvalidRange(f"offset {offset} is past the end ({size} bytes)")
    available = size - offset
    return offset, available if length is None else min(length, available)


@dataclass(frozen=True, kw_only=True)
class BlobInfo:
    """What a store knows about a blob without reading it."""

    key: str
    size: int
    content_type: str


class BlobRead(abc.ABC):
    """An open ranged read: ``info`` describes the whole blob, ``offset``/``length`` the slice served."""

    info: BlobInfo
    offset: int
    length: int

    @abc.abstractmethod
    def chunks(self) -> AsyncIterator[bytes]:
        """The slice's bytes, in chunks of bounded size; closes the read when exhausted."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Release the file handle or connection (idempotent; needed when not read to the end)."""

    async def read_all(self) -> bytes:
        """The whole slice in memory: for covers and tests, never for audio."""
        try:
            return b"".join([chunk async for chunk in self.chunks()])
        finally:
            await self.aclose()


@dataclass(frozen=True, kw_only=True)
class SearchDocument:
    """A track as search knows it: display fields; each adapter derives its index terms from them."""

    track_id: str
    version: int  # the track stream's version: the external version that makes upserts idempotent
    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    genre: str | None = None
    year: int | None = None
    owner_id: str | None = None
    public: bool = True
    duration_ms: int | None = None


@dataclass(frozen=True, kw_only=True)
class SearchRemoval:
    """The track left the catalog at ``version``; older upserts arriving later must not revive it."""

    track_id: str
    version: int


IndexChange = SearchDocument | SearchRemoval
Span = tuple[int, int]  # [start, end) in code points of the displayed string


@dataclass(frozen=True, kw_only=True)
class SearchQuery:
    """As-you-type text (may be empty: browse) plus exact filters, one page of results."""

    text: str = ""
    artist: str | None = None  # filters compare normalised whole values: "ac/dc" finds "AC/DC"
    album: str | None = None
    genre: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    viewer_id: str | None = None  # sees public tracks and their own private ones
    offset: int = 0
    limit: int = 20

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_SEARCH_LIMIT or self.offset < 0:
            raise ValueError(f"limit must be 1..{MAX_SEARCH_LIMIT} and offset >= 0")
        if self.offset + self.limit > MAX_SEARCH_WINDOW:
            raise ValueError(f"offset + limit must not exceed {MAX_SEARCH_WINDOW}")


MAX_SEARCH_LIMIT = 100
MAX_SEARCH_WINDOW = 10_000  # Elasticsearch's index.max_result_window: deeper pages need search_after
SEARCH_TOTAL_CAP = 1000  # matches are counted up to here; a first keystroke need not count the catalog


@dataclass(frozen=True, kw_only=True)
class Highlights:
    """Where the query matched, as spans into the document's own strings (clients do the markup)."""

    title: tuple[Span, ...] = ()
    artists: tuple[tuple[Span, ...], ...] = ()  # one entry per artist, in order
    album: tuple[Span, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SearchHit:
    """One result: the document, its score and the highlights."""

    document: SearchDocument
    score: float
    highlights: Highlights


@dataclass(frozen=True, kw_only=True)
class SearchPage:
    """One page of results and how many match in total.

    ``total`` is exact up to :data:`SEARCH_TOTAL_CAP`; when more match, it is the cap and
    ``total_exact`` is False ("1000+"). Counting every match of a one-letter query was most of its cost.
    """

    total: int
    hits: tuple[SearchHit, ...]
    total_exact: bool = True

    @classmethod
    def counted(cls, matches: int, hits: tuple[SearchHit, ...]) -> SearchPage:
        """A page whose engine counted ``matches`` (itself possibly stopped at the cap + 1)."""
        return cls(total=min(matches, SEARCH_TOTAL_CAP), hits=hits, total_exact=matches <= SEARCH_TOTAL_CAP)
