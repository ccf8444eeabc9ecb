"""Decide and evolve for the render aggregate: pure functions, no I/O.

Rules that make the render processor's at-least-once delivery harmless:

* a request while an attempt is queued or rendering appends nothing (coalesced: one render serves all);
* a request for a ready asset appends ``AssetRendered(cache_hit=True)`` at once, without rendering;
* a request after a failure starts the next attempt;
* processor reports for another attempt, duplicate or regressing progress (a redelivered request
  re-rendering from the start), and a second completion are accepted and append nothing — so the
  stream holds exactly one ``AssetRendered`` (cache hits aside) per attempt, whatever was redelivered.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tuneton.domain.context import CommandContext
from tuneton.domain.render import commands as c
from tuneton.domain.render import events as e
from tuneton.domain.render.errors import RenderNotFound
from tuneton.domain.render.values import FailureReason, RenderedAsset, RenderStatus, SourceAudio, TransformParams


@dataclass(frozen=True, kw_only=True)
class Render:
    """A render as folded from its events."""

    status: RenderStatus
    attempt: int
    source: SourceAudio
    params: TransformParams
    engine: str
    engine_version: str
    segments_ready: int = 0
    asset: RenderedAsset | None = None
    failure: FailureReason | None = None


def decide(state: Render | None, command: c.RenderCommand, ctx: CommandContext) -> list[e.RenderEvent]:
    """Return the events ``command`` causes, or raise a ``DomainError``."""
    if isinstance(command, c.RequestTransform):
        return _request(state, command)
    if state is None:
        raise RenderNotFound("no render was requested for this asset", asset_key=command.asset_key)
    if command.attempt != state.attempt or state.status not in (RenderStatus.QUEUED, RenderStatus.RENDERING):
        return []  # a report of an old attempt, or one arriving after the attempt ended
    match command:
        case c.RecordRenderProgress():
            if command.segments_ready <= state.segments_ready:
                return []
            return [
                e.RenderProgressed(
                    attempt=command.attempt,
                    segments_ready=command.segments_ready,
                    segments_total=command.segments_total,
                    rendered_ms=command.rendered_ms,
                    percent=progress_percent(command.segments_ready, command.segments_total),
                    entry_key=command.entry_key,
                )
            ]
        case c.CompleteRender():
            return [e.AssetRendered(attempt=command.attempt, asset=command.asset)]
        case c.FailRender():
            return [e.RenderFailed(attempt=command.attempt, reason=command.reason, detail=command.detail)]


def evolve(state: Render | None, event: e.RenderEvent) -> Render:
    """Fold one event into the state."""
    if isinstance(event, e.TransformRequested):
        return Render(
            status=RenderStatus.QUEUED,
            attempt=event.attempt,
            source=event.source,
            params=event.params,
            engine=event.engine,
            engine_version=event.engine_version,
        )
    if state is None:
        raise TypeError(f"{type(event).__name__} before TransformRequested")
    match event:
        case e.RenderProgressed():
            return replace(state, status=RenderStatus.RENDERING, segments_ready=event.segments_ready)
        case e.AssetRendered():
            return replace(state, status=RenderStatus.READY, asset=event.asset, failure=None)
        case e.RenderFailed():
            return replace(state, status=RenderStatus.FAILED, failure=event.reason)
        case _:
            raise TypeError(f"unknown render event {type(event).__name__}")


def progress_percent(segments_ready: int, segments_total: int) -> int:
    """Whole percent of segments stored; 100 only once every segment is (completion is a separate fact)."""
    if segments_total <= 0:
        return 0
    return max(0, min(100, (100 * segments_ready) // segments_total))


def _request(state: Render | None, command: c.RequestTransform) -> list[e.RenderEvent]:
    if state is not None and state.status is RenderStatus.READY and state.asset is not None:
        return [e.AssetRendered(attempt=state.attempt, asset=state.asset, cache_hit=True)]
    if state is not None and state.status in (RenderStatus.QUEUED, RenderStatus.RENDERING):
        return []
    attempt = 1 if state is None else state.attempt + 1
    return [
        e.TransformRequested(
            source=command.source,
            params=command.params,
            engine=command.engine,
            engine_version=command.engine_version,
            attempt=attempt,
        )
    ]
