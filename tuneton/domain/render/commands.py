"""Render commands: one from listeners (request), three from the render processor (its reports)."""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.render.values import FailureReason, RenderedAsset, SourceAudio, TransformParams


@dataclass(frozen=True, kw_only=True)
class RequestTransform:
    """Ask for the track re-keyed/re-tempoed; the asset key is derived from source, params and engine."""

    asset_key: str
    source: SourceAudio
    params: TransformParams
    engine: str
    engine_version: str


@dataclass(frozen=True, kw_only=True)
class RecordRenderProgress:
    """The render processor finished and stored ``segments_ready`` segments of ``attempt``."""

    asset_key: str
    attempt: int
    segments_ready: int
    segments_total: int
    rendered_ms: int
    entry_key: str


@dataclass(frozen=True, kw_only=True)
class CompleteRender:
    """Every object of the asset is stored; the render of ``attempt`` is ready to play."""

    asset_key: str
    attempt: int
    asset: RenderedAsset


@dataclass(frozen=True, kw_only=True)
class FailRender:
    """The render of ``attempt`` cannot finish."""

    asset_key: str
    attempt: int
    reason: FailureReason
    detail: str


RenderCommand = RequestTransform | RecordRenderProgress | CompleteRender | FailRender
