"""The renders projection: one row per asset key, every report bound to its attempt."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from projections.registry import PROJECTIONS
from projections.renders import project as renders
from tests.unit.render_samples import ASSET, ASSET_KEY, BARE_SOURCE, PARAMS, SOURCE
from tuneton.domain.readmodel import EventMeta, Update, Upsert
from tuneton.domain.render import events as e
from tuneton.domain.render.values import FailureReason

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
MILLIS = int(AT.timestamp() * 1000)
REQUESTED = e.TransformRequested(source=SOURCE, params=PARAMS, engine="rubberband-r3", engine_version="4.0.0+1",
                                 attempt=1)  # fmt: skip
PROGRESSED = e.RenderProgressed(attempt=1, segments_ready=3, segments_total=37, rendered_ms=9000, percent=8,
                                entry_key=ASSET.entry_key)  # fmt: skip


def meta(version: int) -> EventMeta:
    return EventMeta(aggregate_id=ASSET_KEY, aggregate_version=version, occurred_at=AT, actor_id="listener")


def test_a_request_writes_the_whole_row_queued_and_its_source_bytes() -> None:
    op, source = renders.project(REQUESTED, meta(1))
    assert source == Upsert(
        table="render_sources", key={"asset_key": ASSET_KEY}, values={"content_sha256": REQUESTED.source.sha256}
    )
    assert isinstance(op, Upsert)
    assert (op.table, op.key) == ("renders", {"asset_key": ASSET_KEY})
    assert dict(op.values) == {
        "track_id": "t1", "status": "queued", "attempt": 1, "percent": 0, "segments_ready": 0,
        "segments_total": 0, "rendered_ms": 0, "entry_key": None, "output_format": "aac-hls",
        "pitch_cents": 300, "tempo": 1.25, "formant": True, "quality": "high", "engine": "rubberband-r3",
        "engine_version": "4.0.0+1", "source_duration_ms": 183_000, "source_bpm": 120.0, "source_key": "A minor",
        "duration_ms": None, "size_bytes": None, "result_bpm": None, "result_key": None,
        "result_key_offset_cents": None, "result_lufs": None, "failure_reason": None, "failure_detail": None,
        "ready_version": None, "version": 1, "requested_at": MILLIS, "updated_at": MILLIS,
    }  # fmt: skip


def test_a_retry_resets_progress_result_and_failure() -> None:
    op, _ = renders.project(replace(REQUESTED, source=BARE_SOURCE, attempt=2), meta(4))
    assert isinstance(op, Upsert)
    values = dict(op.values)
    assert (values["attempt"], values["status"], values["percent"], values["entry_key"]) == (2, "queued", 0, None)
    assert (values["failure_reason"], values["ready_version"], values["source_bpm"]) == (None, None, None)


def test_progress_updates_the_row_of_its_attempt_only() -> None:
    [op] = renders.project(PROGRESSED, meta(2))
    assert op == Update(
        table="renders",
        key={"asset_key": ASSET_KEY, "attempt": 1},
        values={"status": "rendering", "percent": 8, "segments_ready": 3, "segments_total": 37,
                "rendered_ms": 9000, "entry_key": ASSET.entry_key, "version": 2, "updated_at": MILLIS},
    )  # fmt: skip


def test_completion_records_the_result_and_where_hits_start() -> None:
    [op] = renders.project(e.AssetRendered(attempt=1, asset=ASSET), meta(3))
    assert isinstance(op, Update)
    assert op.key == {"asset_key": ASSET_KEY, "attempt": 1}
    assert dict(op.values) == {
        "status": "ready", "percent": 100, "segments_ready": 37, "segments_total": 37, "rendered_ms": 146_400,
        "entry_key": ASSET.entry_key, "output_format": "aac-hls", "duration_ms": 146_400, "size_bytes": 2_950_000,
        "result_bpm": 150.0, "result_key": "C minor", "result_key_offset_cents": 0, "result_lufs": -14.5,
        "failure_reason": None, "failure_detail": None, "ready_version": 3, "version": 3, "updated_at": MILLIS,
    }  # fmt: skip


def test_a_completion_without_analysis_leaves_the_result_musical_empty() -> None:
    [op] = renders.project(e.AssetRendered(attempt=1, asset=replace(ASSET, musical=None)), meta(3))
    assert isinstance(op, Update)
    assert [op.values[k] for k in ("result_bpm", "result_key", "result_key_offset_cents", "result_lufs")] == [None] * 4


def test_a_cache_hit_only_moves_the_version() -> None:
    [op] = renders.project(e.AssetRendered(attempt=1, asset=ASSET, cache_hit=True), meta(5))
    assert op == Update(
        table="renders", key={"asset_key": ASSET_KEY, "attempt": 1}, values={"version": 5, "updated_at": MILLIS}
    )


def test_failure_keeps_progress_and_records_why() -> None:
    [op] = renders.project(e.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="encoder exited"), meta(3))
    assert op == Update(
        table="renders",
        key={"asset_key": ASSET_KEY, "attempt": 1},
        values={"status": "failed", "failure_reason": "internal", "failure_detail": "encoder exited",
                "version": 3, "updated_at": MILLIS},
    )  # fmt: skip


def test_unknown_events_fail_loudly() -> None:
    with pytest.raises(TypeError, match="unknown render event"):
        renders.project(object(), meta(1))  # type: ignore[arg-type]


def test_the_projection_is_registered() -> None:
    projection = PROJECTIONS["renders"]
    assert (projection.topics, projection.tables, projection.group) == (
        ("tuneton.render.events",),
        ("renders", "render_sources"),
        "tuneton-projector-renders",
    )
