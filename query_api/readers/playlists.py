"""Queries over the ``playlists`` read model. Ranks compare byte-wise (``COLLATE "C"`` in the DDL)."""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore

_SUMMARY = """
SELECT p.playlist_id, p.owner_id, p.name, p.description, p.visibility, p.version, p.created_at, p.updated_at,
       (SELECT COUNT(*) FROM playlist_items i WHERE i.playlist_id = p.playlist_id) AS item_count
FROM playlists p
"""


async def playlists_of(store: ReadStore, owner_id: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """The owner's playlists, most recently changed first."""
    sql = _SUMMARY + "WHERE p.owner_id = :owner ORDER BY p.updated_at DESC, p.playlist_id LIMIT :limit OFFSET :offset"
    return await store.fetch_all(sql, {"owner": owner_id, "limit": limit, "offset": offset})


async def count_of(store: ReadStore, owner_id: str) -> int:
    """How many playlists the owner has."""
    rows = await store.fetch_all("SELECT COUNT(*) AS n FROM playlists WHERE owner_id = :owner", {"owner": owner_id})
    return int(rows[0]["n"])


async def public_playlists(store: ReadStore, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Publicly listed playlists, most recently changed first (unlisted ones are not listed)."""
    sql = (
        _SUMMARY + "WHERE p.visibility = 'public' ORDER BY p.updated_at DESC, p.playlist_id LIMIT :limit OFFSET :offset"
    )
    return await store.fetch_all(sql, {"limit": limit, "offset": offset})


async def playlist(store: ReadStore, playlist_id: str) -> dict[str, Any] | None:
    """One playlist's header row, or None."""
    rows = await store.fetch_all(_SUMMARY + "WHERE p.playlist_id = :id", {"id": playlist_id})
    return rows[0] if rows else None


async def items(store: ReadStore, playlist_id: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """A page of the playlist's items in order."""
    sql = (
        "SELECT item_id, track_id, rank, added_at FROM playlist_items WHERE playlist_id = :id "
        "ORDER BY rank, item_id LIMIT :limit OFFSET :offset"
    )
    return await store.fetch_all(sql, {"id": playlist_id, "limit": limit, "offset": offset})
