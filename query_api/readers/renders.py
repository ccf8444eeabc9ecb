"""Queries over the ``renders`` read model, with the source track's visibility joined in."""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore

# ``public_source``: some public track holds the render's source bytes (render_sources; older renders
# without a row fall back to the requesting track's digest), so the render is as public as that track.
_RENDER = (
    "SELECT r.*, t.visibility AS track_visibility, t.owner_id AS track_owner_id, "
    "CASE WHEN EXISTS (SELECT 1 FROM tracks s WHERE s.visibility = 'public' "
    "AND s.content_sha256 = COALESCE(rs.content_sha256, t.content_sha256)) THEN 1 ELSE 0 END AS public_source "
    "FROM renders r LEFT JOIN tracks t ON t.track_id = r.track_id "
    "LEFT JOIN render_sources rs ON rs.asset_key = r.asset_key WHERE r.asset_key = :key"
)


async def render(store: ReadStore, asset_key: str) -> dict[str, Any] | None:
    """One render's row plus ``track_visibility``/``track_owner_id`` (None when the track is gone) and
    ``public_source`` (1 when a public track holds the same source bytes), or None."""
    rows = await store.fetch_all(_RENDER, {"key": asset_key})
    return rows[0] if rows else None
