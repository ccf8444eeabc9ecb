"""Range, conditional and caching semantics every media path must share, as a table (RFC 9110 §13-§14).

Used against the Python path (the product directly) and the offload path (nginx behind the gateway),
so both answer every case the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class RangeCase:
    """One request and the answer it must get, for a blob of ``size`` bytes with ETag ``etag``."""

    name: str
    headers: Callable[[int, str], dict[str, str]]
    status: int
    span: Callable[[int], tuple[int, int] | None]  # the bytes sent, [first, last + 1); None: no body


def _whole(size: int) -> tuple[int, int]:
    return 0, size


RANGE_CASES = [
    RangeCase("whole", lambda n, t: {}, 200, _whole),
    RangeCase("first bytes", lambda n, t: {"Range": "bytes=0-99"}, 206, lambda n: (0, 100)),
    RangeCase("open range", lambda n, t: {"Range": "bytes=100-"}, 206, lambda n: (100, n)),
    RangeCase("suffix", lambda n, t: {"Range": "bytes=-100"}, 206, lambda n: (n - 100, n)),
    RangeCase("end past the end", lambda n, t: {"Range": f"bytes={n - 10}-{n + 999}"}, 206, lambda n: (n - 10, n)),
    RangeCase("suffix longer than the blob", lambda n, t: {"Range": f"bytes=-{n + 5}"}, 206, _whole),
    RangeCase("last byte", lambda n, t: {"Range": f"bytes={n - 1}-{n - 1}"}, 206, lambda n: (n - 1, n)),
    RangeCase("last before first", lambda n, t: {"Range": "bytes=5-2"}, 416, lambda n: None),
    RangeCase("start at the end", lambda n, t: {"Range": f"bytes={n}-"}, 416, lambda n: None),
    RangeCase("start past the end", lambda n, t: {"Range": f"bytes={n + 10}-{n + 20}"}, 416, lambda n: None),
    RangeCase("empty suffix", lambda n, t: {"Range": "bytes=-0"}, 416, lambda n: None),
    RangeCase("two ranges: whole body", lambda n, t: {"Range": "bytes=0-1,5-6"}, 200, _whole),
    RangeCase("another unit: whole body", lambda n, t: {"Range": "items=0-5"}, 200, _whole),
    RangeCase("If-Range with our ETag", lambda n, t: {"Range": "bytes=0-9", "If-Range": t}, 206, lambda n: (0, 10)),
    RangeCase("If-Range with another ETag", lambda n, t: {"Range": "bytes=0-9", "If-Range": '"x"'}, 200, _whole),
    RangeCase(
        "If-Range with a date",
        lambda n, t: {"Range": "bytes=0-9", "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"},
        200,
        _whole,
    ),
    RangeCase("If-None-Match ours", lambda n, t: {"If-None-Match": t}, 304, lambda n: None),
    RangeCase("If-None-Match, weak", lambda n, t: {"If-None-Match": f'"x", W/{t}'}, 304, lambda n: None),
    RangeCase("If-None-Match another", lambda n, t: {"If-None-Match": '"x"'}, 200, _whole),
]


def check_case(client: httpx.Client, url: str, body: bytes, etag: str, case: RangeCase) -> None:
    """GET ``url`` with the case's headers; assert status, bytes, Content-Range and validators."""
    size = len(body)
    response = client.get(url, headers=case.headers(size, etag))
    assert response.status_code == case.status, (case.name, response.status_code, response.text[:200])
    span = case.span(size)
    if case.status in {200, 206, 304}:
        assert response.headers["etag"] == etag, case.name
        assert "immutable" in response.headers["cache-control"], case.name
    if case.status == 200:
        assert response.headers["accept-ranges"] == "bytes", case.name  # a 206 may leave it out
    if case.status in {200, 206}:
        assert span is not None
        assert response.content == body[span[0] : span[1]], case.name
    if case.status == 206:
        assert span is not None
        assert response.headers["content-range"] == f"bytes {span[0]}-{span[1] - 1}/{size}", case.name
    if case.status == 416:
        assert response.headers["content-range"] == f"bytes */{size}", case.name


def check_head(client: httpx.Client, url: str, body: bytes, etag: str, mime_type: str) -> None:
    """HEAD: the GET's headers, no body; with a range, the range's length."""
    head = client.head(url)
    assert (head.status_code, head.content, head.headers["content-length"]) == (200, b"", str(len(body)))
    assert (head.headers["etag"], head.headers["content-type"]) == (etag, mime_type)
    part = client.head(url, headers={"Range": "bytes=0-9"})
    assert (part.status_code, part.headers["content-length"]) == (206, "10")
