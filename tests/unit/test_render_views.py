"""Render reads without I/O: the SSE frame sequence, servable file names, the status mapping."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from query_api.render_events import progress_frames
from query_api.render_views import is_private, render_file, render_public, visible
from tests.unit.render_samples import ASSET_KEY, LINKS


def row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "asset_key": ASSET_KEY, "track_id": "t1", "status": "queued", "attempt": 1, "percent": 0,
        "segments_ready": 0, "segments_total": 0, "rendered_ms": 0, "entry_key": None, "output_format": "aac-hls",
        "pitch_cents": -150, "tempo": 0.8, "formant": 1, "quality": "high", "engine": "rubberband-r3",
        "engine_version": "4", "source_duration_ms": 183_000, "source_bpm": 120.0, "source_key": "A minor",
        "duration_ms": None, "size_bytes": None, "result_bpm": None, "result_key": None,
        "result_key_offset_cents": None, "result_lufs": None, "failure_reason": None, "failure_detail": None,
        "ready_version": None, "cache_hits": 0, "version": 1, "requested_at": 0, "updated_at": 0,
        "track_visibility": "public", "track_owner_id": "u1",
    }  # fmt: skip
    return {**base, **changes}


ENTRY = f"renders/{ASSET_KEY}/playlist.m3u8"
QUEUED = row()
RENDERING = [row(status="rendering", percent=p, segments_ready=n, segments_total=4, entry_key=ENTRY, version=v)
             for n, p, v in ((1, 25, 2), (2, 50, 3))]  # fmt: skip
READY = row(status="ready", percent=100, segments_ready=4, segments_total=4, entry_key=ENTRY, version=4,
            duration_ms=228_750, size_bytes=1000, result_key="G minor", result_key_offset_cents=50)  # fmt: skip


async def frames(rows: list[dict[str, Any] | None], *, heartbeat_s: float = 10.0) -> list[str]:
    """Every frame the stream sends while the read model shows ``rows``, one per poll (the last one repeats)."""
    polls: Iterator[dict[str, Any] | None] = iter(rows)
    last: list[dict[str, Any] | None] = [None]

    async def fetch() -> Any:
        last[0] = next(polls, last[0])
        return None if last[0] is None else render_public(last[0], LINKS)

    async def never() -> bool:
        return False

    sent = []
    async for text in progress_frames(fetch, disconnected=never, poll_s=0.001, heartbeat_s=heartbeat_s):
        sent.append(text)
        if len(sent) > 50:
            break
    return sent


def events(sent: list[str]) -> list[tuple[str, str, int]]:
    """(event, status, percent) of each data frame."""
    found = []
    for text in sent:
        fields = dict(line.split(": ", 1) for line in text.strip().splitlines() if not line.startswith(":"))
        if "data" in fields:
            data = json.loads(fields["data"])
            assert int(fields["id"]) == data["version"]
            found.append((fields["event"], data["status"], data["percent"]))
    return found


async def test_one_frame_per_change_then_ready_ends_the_stream() -> None:
    sent = await frames([QUEUED, QUEUED, RENDERING[0], RENDERING[0], RENDERING[1], READY, READY])
    assert sent[0] == "retry: 2000\n\n"
    assert events(sent) == [("progress", "queued", 0), ("progress", "rendering", 25), ("progress", "rendering", 50),
                            ("ready", "ready", 100)]  # fmt: skip
    assert sent[-1].startswith("id: 4\nevent: ready\n")


async def test_a_failed_render_sends_one_failed_frame() -> None:
    failed = row(status="failed", failure_reason="internal", failure_detail="boom", version=2)
    sent = await frames([failed])
    assert events(sent) == [("failed", "failed", 0)]
    assert json.loads(sent[-1].split("data: ", 1)[1])["failure"] == {"reason": "internal", "detail": "boom"}


async def test_quiet_streams_get_heartbeats_and_a_missing_row_is_waited_for() -> None:
    sent = await frames([None, None, None, None, None, READY], heartbeat_s=0.0)
    assert ": heartbeat\n\n" in sent
    assert events(sent) == [("ready", "ready", 100)]


async def test_the_stream_stops_when_the_client_is_gone() -> None:
    async def fetch() -> Any:
        return render_public(QUEUED, LINKS)

    async def gone() -> bool:
        return True

    assert [text async for text in progress_frames(fetch, disconnected=gone)] == ["retry: 2000\n\n"]


@pytest.mark.parametrize(
    ("name", "content_type", "immutable"),
    [
        ("playlist.m3u8", "application/vnd.apple.mpegurl", False),
        ("init.mp4", "audio/mp4", True),
        ("seg_00000.m4s", "audio/mp4", True),
        ("seg_12345.m4s", "audio/mp4", True),
        ("render.mp3", "audio/mpeg", True),
        ("seg_1.m4s", None, None),
        ("seg_000000.m4s", None, None),
        ("seg_00000.m4s\n", None, None),
        ("../playlist.m3u8", None, None),
        ("..", None, None),
        ("source.mp3", None, None),
        ("PLAYLIST.M3U8", None, None),
    ],
)
def test_only_the_render_layout_s_names_are_served(name: str, content_type: str | None, immutable: bool | None) -> None:
    found = render_file(name)
    assert (found and (found.content_type, found.immutable)) == (content_type and (content_type, immutable))


def test_the_status_shows_semitones_urls_and_result() -> None:
    queued = render_public(QUEUED, LINKS)
    shown = (queued.params.semitones, queued.params.formant, queued.urls.playlist, queued.result)
    assert shown == (-1.5, True, None, None)
    assert queued.urls.events == f"/v1/renders/{ASSET_KEY}/events"
    ready = render_public(READY, LINKS)
    assert ready.urls.playlist == LINKS.render(ASSET_KEY, f"/v1/renders/{ASSET_KEY}/files/playlist.m3u8")
    assert ready.result is not None
    assert (ready.result.duration_s, ready.result.key, ready.result.key_offset_cents) == (228.75, "G minor", 50)
    mp3 = render_public({**READY, "output_format": "mp3", "entry_key": f"renders/{ASSET_KEY}/render.mp3"}, LINKS)
    assert (mp3.urls.playlist, mp3.urls.audio) == (
        None,
        LINKS.render(ASSET_KEY, f"/v1/renders/{ASSET_KEY}/files/render.mp3"),
    )


@pytest.mark.parametrize(
    ("changes", "viewer", "expected"),
    [
        ({"track_visibility": "private", "track_owner_id": "a"}, "a", True),
        ({"track_visibility": "private", "track_owner_id": "a"}, "b", False),
        ({"track_visibility": "private", "track_owner_id": "a"}, None, False),
        ({"track_visibility": "unlisted", "track_owner_id": "a"}, "b", True),
        # a shared render whose first requester hid (or removed) their track: another public track holds the bytes
        ({"track_visibility": "private", "track_owner_id": "a", "public_source": 1}, "b", True),
        ({"track_visibility": None, "track_owner_id": None, "public_source": 1}, None, True),
        ({"track_visibility": None, "track_owner_id": None, "public_source": 0}, "a", False),
    ],
)
def test_a_render_is_visible_through_every_track_it_maps_to(changes: dict[str, Any], viewer: str | None,
                                                            expected: bool) -> None:  # fmt: skip
    assert visible(row(**changes), viewer) is expected
    if expected and changes.get("public_source"):
        assert not is_private(row(**changes))
