"""Queries over the ``renders`` read model, with the source track's visibility joined in."""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore

_RENDER = (
    "SELECT r.*, t.visibility AS track_visibility, t.owner_id AS track_owner_id "
    "FROM renders r LEFT JOIN tracks t ON t.track_id = r.track_id WHERE r.asset_key = :key"
)


async def render(store: ReadStore, asset_key: str) -> dict[str, Any] | None:
    """One render's row plus ``track_visibility``/``track_owner_id`` (None when the track is gone), or None."""
    rows = await store.fetch_all(_RENDER, {"key": asset_key})
    return rows[0] if rows else None
