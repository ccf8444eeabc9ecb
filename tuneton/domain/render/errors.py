"""Rejections specific to the render context."""

from __future__ import annotations

from tuneton.domain.errors import AggregateNotFound


class RenderNotFound(AggregateNotFound):
    """A processor report names an asset key nobody requested."""

    reason = "render_not_found"
