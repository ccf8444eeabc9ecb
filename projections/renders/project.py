"""Project render events onto the ``renders`` table (one row per asset key).

A new attempt (``TransformRequested``) replaces the whole row. Every later report updates the row
*of its attempt only* (the attempt is part of the ``Update`` key), so a late report of an old attempt
matches no row and changes nothing; redelivered events are already skipped by the projector's
per-aggregate version guard. Progress is monotonic because the decider only records progress that grew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tuneton.domain.readmodel import EventMeta, RowOp, Update, Upsert
from tuneton.domain.render import events as e
from tuneton.domain.render.values import Musical, RenderStatus

NAME = "renders"
TOPICS = ("tuneton.render.events",)
TABLES = ("renders", "render_sources")
SCHEMA = Path(__file__).with_name("schema.sql")

_NO_RESULT: dict[str, Any] = {
    "duration_ms": None,
    "size_bytes": None,
    "result_bpm": None,
    "result_key": None,
    "result_key_offset_cents": None,
    "result_lufs": None,
}


def project(event: e.RenderEvent, meta: EventMeta) -> list[RowOp]:
    """Row operations for one render event."""
    at = int(meta.occurred_at.timestamp() * 1000)
    touch = {"version": meta.aggregate_version, "updated_at": at}
    match event:
        case e.TransformRequested():
            row = {**_requested(event), **touch, "requested_at": at}
            source = {"content_sha256": event.source.sha256}
            return [
                Upsert(table="renders", key={"asset_key": meta.aggregate_id}, values=row),
                Upsert(table="render_sources", key={"asset_key": meta.aggregate_id}, values=source),
            ]
        case e.RenderProgressed():
            values = {
                "status": RenderStatus.RENDERING.value,
                "percent": event.percent,
                "segments_ready": event.segments_ready,
                "segments_total": event.segments_total,
                "rendered_ms": event.rendered_ms,
                "entry_key": event.entry_key,
            }
            return [_of_attempt(meta, event.attempt, {**values, **touch})]
        case e.AssetRendered(cache_hit=True):
            return [_of_attempt(meta, event.attempt, touch)]  # counted by the generated ``cache_hits``
        case e.AssetRendered():
            values = {**_rendered(event), "ready_version": meta.aggregate_version}
            return [_of_attempt(meta, event.attempt, {**values, **touch})]
        case e.RenderFailed():
            values = {"status": RenderStatus.FAILED.value, "failure_reason": event.reason.value,
                      "failure_detail": event.detail}  # fmt: skip
            return [_of_attempt(meta, event.attempt, {**values, **touch})]
        case _:
            raise TypeError(f"unknown render event {type(event).__name__}")


def _of_attempt(meta: EventMeta, attempt: int, values: dict[str, Any]) -> Update:
    return Update(table="renders", key={"asset_key": meta.aggregate_id, "attempt": attempt}, values=values)


def _requested(event: e.TransformRequested) -> dict[str, Any]:
    source, params = event.source, event.params
    musical = source.musical or Musical()
    return {
        "track_id": source.track_id,
        "status": RenderStatus.QUEUED.value,
        "attempt": event.attempt,
        "percent": 0,
        "segments_ready": 0,
        "segments_total": 0,
        "rendered_ms": 0,
        "entry_key": None,
        "output_format": params.output_format,
        "pitch_cents": params.pitch_cents,
        "tempo": params.tempo,
        "formant": params.formant,
        "quality": params.quality,
        "engine": event.engine,
        "engine_version": event.engine_version,
        "source_duration_ms": source.duration_ms,
        "source_bpm": musical.bpm,
        "source_key": musical.key,
        **_NO_RESULT,
        "failure_reason": None,
        "failure_detail": None,
        "ready_version": None,
    }


def _rendered(event: e.AssetRendered) -> dict[str, Any]:
    asset = event.asset
    musical = asset.musical
    return {
        "status": RenderStatus.READY.value,
        "percent": 100,
        "segments_ready": asset.segment_count,
        "segments_total": asset.segment_count,
        "rendered_ms": asset.duration_ms,
        "entry_key": asset.entry_key,
        "output_format": asset.output_format,
        "duration_ms": asset.duration_ms,
        "size_bytes": asset.size_bytes,
        "result_bpm": None if musical is None else musical.bpm,
        "result_key": None if musical is None else musical.key,
        "result_key_offset_cents": None if musical is None else musical.key_offset_cents,
        "result_lufs": None if musical is None else musical.lufs,
        "failure_reason": None,
        "failure_detail": None,
    }
