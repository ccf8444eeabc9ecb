"""Facts of a render stream (keyed by asset key), named in the past tense."""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.render.values import FailureReason, RenderedAsset, SourceAudio, TransformParams


@dataclass(frozen=True, kw_only=True)
class TransformRequested:
    """A render was requested and must be produced: the render processor's work item.

    ``attempt`` counts requests that started a render (a request after a failure starts attempt 2);
    reports from the processor name the attempt they belong to, so a late report of an old attempt
    changes nothing.
    """

    source: SourceAudio
    params: TransformParams
    engine: str
    engine_version: str
    attempt: int


@dataclass(frozen=True, kw_only=True)
class RenderProgressed:
    """More of the render is stored and streamable (the HLS playlist at ``entry_key`` grew)."""

    attempt: int
    segments_ready: int
    segments_total: int
    rendered_ms: int
    percent: int
    entry_key: str


@dataclass(frozen=True, kw_only=True)
class AssetRendered:
    """The whole asset is stored. ``cache_hit``: answered from an earlier render, nothing was rendered."""

    attempt: int
    asset: RenderedAsset
    cache_hit: bool = False


@dataclass(frozen=True, kw_only=True)
class RenderFailed:
    """The attempt ended without an asset; nothing of it is marked ready."""

    attempt: int
    reason: FailureReason
    detail: str


RenderEvent = TransformRequested | RenderProgressed | AssetRendered | RenderFailed
