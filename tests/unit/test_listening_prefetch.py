"""'What plays next': the session's own rule on read-model rows, and the preload hint for the next track."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from query_api.prefetch import HEADER_MARGIN, session_state, up_next_view

SESSION = {"item_id": "i1", "track_id": "t1", "play_no": 3, "duration_ms": 180_000, "device_id": "phone",
           "playing": True, "position_ms": 5_000, "position_at": 0, "repeat_mode": "off", "shuffle": False}  # fmt: skip
QUEUE = [
    {"item_id": "i1", "track_id": "t1", "duration_ms": 180_000, "rank": "a0"},
    {"item_id": "i2", "track_id": "t2", "duration_ms": 180_000, "rank": "a1"},
]
STREAM = {"key": "renditions/x", "sha256": "ab" * 32, "size_bytes": 3_000_000, "mime_type": "audio/mp4"}


def track(track_id: str, *, owner: str = "someone", visibility: str = "public") -> dict[str, Any]:
    return {
        "track_id": track_id, "owner_id": owner, "visibility": visibility, "duration_ms": 180_000,
        "renditions_json": json.dumps([{"name": "stream", "codec": "aac", "bitrate": 128_000, "blob": STREAM}]),
        "original_json": json.dumps({**STREAM, "sha256": "cd" * 32, "mime_type": "audio/mpeg"}),
    }  # fmt: skip


@pytest.mark.parametrize(("repeat", "expected"), [("off", "i2"), ("one", "i1"), ("all", "i2")])
def test_the_next_item_follows_the_session_rule(repeat: str, expected: str) -> None:
    state = session_state({**SESSION, "repeat_mode": repeat}, QUEUE)
    answer = up_next_view(state, {"t1": track("t1"), "t2": track("t2")}, viewer="me")
    assert answer.next is not None
    assert answer.next.item_id == expected


def test_the_end_of_the_queue_has_nothing_next() -> None:
    state = session_state({**SESSION, "item_id": "i2", "track_id": "t2"}, QUEUE)
    assert up_next_view(state, {}, viewer="me").next is None


def test_the_hint_names_the_stream_and_a_first_range_of_about_ten_seconds() -> None:
    answer = up_next_view(session_state(SESSION, QUEUE), {"t2": track("t2")}, viewer="me")
    assert answer.next is not None
    hint = answer.next.prefetch
    assert hint is not None
    assert hint.url == f"/v1/tracks/t2/audio/stream?v={'ab' * 32}"
    assert hint.range == f"bytes=0-{math.ceil(3_000_000 * 10 / 180) + HEADER_MARGIN - 1}"
    assert (hint.first_chunk_s, hint.duration_ms, hint.mime_type) == (10.0, 180_000, "audio/mp4")


@pytest.mark.parametrize("row", [None, track("t2", visibility="private")], ids=["removed", "private-of-another"])
def test_a_track_gone_from_the_viewer_is_announced_unavailable(row: dict[str, Any] | None) -> None:
    answer = up_next_view(session_state(SESSION, QUEUE), {} if row is None else {"t2": row}, viewer="me")
    assert answer.next is not None
    assert (answer.next.available, answer.next.prefetch) == (False, None)
