"""The S3 server is unavailable while a track is uploaded, then comes back.

Before issue 8 the upload answered a bare 500 after minio's retries (an unhandled urllib3 error).
Now it answers 503 with Retry-After within seconds and nothing is half-written: no track event, no
object left behind. The client's retry with the same Idempotency-Key once S3 is back succeeds exactly
once, and the bucket then holds exactly the blobs the track events name (no orphan).
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.e2e.test_track_catalog import song, stored_blobs
from tests.fault.observe import Seen, events_of, report, seconds_until_ready, timed
from tests.fault.private_stack import PrivateStack
from tuneton.events import topics

pytestmark = [pytest.mark.fault, pytest.mark.kafka, pytest.mark.timeout(900)]


def _blob_keys(value: Any) -> set[str]:
    """Every ``key`` of a blob reference anywhere in a decoded event."""
    if isinstance(value, dict):
        own = {value["key"]} if isinstance(value.get("key"), str) and "sha256" in value else set()
        return own.union(*(_blob_keys(v) for v in value.values()))
    if isinstance(value, list | tuple):
        return set().union(*(_blob_keys(v) for v in value))
    return set()


def _upload(api: httpx.Client, path: Path, key: str) -> httpx.Response:
    with path.open("rb") as fh:
        return api.post("/v1/tracks", params={"visibility": "public"}, files={"file": (path.name, fh)},
                        headers={"Idempotency-Key": key})  # fmt: skip


def test_an_upload_while_s3_is_away_answers_503_and_its_retry_succeeds_once(
    fault_product: Product, private_stack: PrivateStack, tmp_path: Path
) -> None:
    word = uuid.uuid4().hex[:8]
    path = song(tmp_path, word=f"s3{word}", seconds=2.0)
    api = httpx.Client(base_url=fault_product.base, headers=fault_product.auth(f"s3-{word}"), timeout=60)
    key = f"upload-{word}"
    before = events_of(fault_product, topics.TRACK_EVENTS)
    uploads, ready = Seen("POST /v1/tracks"), Seen("GET /readyz")

    private_stack.stop("s3")
    refused = timed(uploads, lambda: _upload(api, path, key))
    timed(ready, lambda: api.get("/readyz", timeout=15))
    assert refused is not None, "the upload hung"
    assert refused.status_code == 503, refused.text
    assert int(refused.headers["retry-after"]) > 0
    assert events_of(fault_product, topics.TRACK_EVENTS) == before, "a track event for an upload that failed"
    down_s = time.monotonic() - uploads.started

    private_stack.start("s3")
    recovered_s = seconds_until_ready(fault_product.base)
    accepted = timed(uploads, lambda: _upload(api, path, key))
    assert accepted is not None
    assert accepted.status_code == 201, accepted.text
    again = _upload(api, path, key)  # the client retries once more (lost answer): nothing new happens
    assert again.status_code in {200, 201}, again.text
    assert again.json()["track_id"] == accepted.json()["track_id"]

    after = events_of(fault_product, topics.TRACK_EVENTS)
    new = [r for r in after if r not in before]
    assert [r["key"] for r in new] == [accepted.json()["track_id"]], "exactly one new track event"
    original = api.get(f"/v1/tracks/{accepted.json()['track_id']}/audio/original")
    assert original.status_code == 200
    assert original.content == path.read_bytes()
    referenced = set().union(*(_blob_keys(r["value"]) for r in after))
    assert stored_blobs(fault_product) == referenced, "an orphan object, or a blob an event names is missing"
    report(
        "S3 unavailable during an upload",
        [
            uploads.summary(0, down_s),
            ready.summary(0, down_s),
            f"ready {recovered_s:.1f}s after S3 answered again; the retry with the same Idempotency-Key: "
            f"{accepted.status_code} in {uploads.answers[-1][2]:.2f}s, once more: {again.status_code}",
        ],
    )
