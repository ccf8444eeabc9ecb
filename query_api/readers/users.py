"""Queries over the ``users`` read model."""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore


async def user(store: ReadStore, user_id: str) -> dict[str, Any] | None:
    """One profile, or None."""
    rows = await store.fetch_all("SELECT * FROM users WHERE user_id = :id", {"id": user_id})
    return rows[0] if rows else None
