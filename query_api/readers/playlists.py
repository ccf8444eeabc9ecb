"""Queries over the ``playlists`` read model. Ranks compare byte-wise (``COLLATE "C"`` in the DDL).

Items show only tracks the reader may see (the tracks read model, the rule of
``tuneton.domain.track.rules.visible_to`` in SQL): a track made private or removed after it was added,
or any track that slipped in before adds were checked, disappears from other readers' pages and counts.
"""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore

# ``visible_to``: not private, or the viewer owns it (``:viewer`` is '' for anonymous readers).
_VISIBLE_ITEMS = """
FROM playlist_items i JOIN tracks t ON t.track_id = i.track_id
WHERE i.playlist_id = :playlist AND (t.visibility <> 'private' OR t.owner_id = :viewer)
"""
_SUMMARY = (
    "SELECT p.playlist_id, p.owner_id, p.name, p.description, p.visibility, p.version, p.created_at, p.updated_at, "
    "(SELECT COUNT(*) " + _VISIBLE_ITEMS.replace(":playlist", "p.playlist_id") + ") AS item_count FROM playlists p "
)


async def playlists_of(store: ReadStore, owner_id: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """The owner's playlists, most recently changed first."""
    sql = _SUMMARY + "WHERE p.owner_id = :owner ORDER BY p.updated_at DESC, p.playlist_id LIMIT :limit OFFSET :offset"
    return await store.fetch_all(sql, {"owner": owner_id, "viewer": owner_id, "limit": limit, "offset": offset})


async def count_of(store: ReadStore, owner_id: str) -> int:
    """How many playlists the owner has."""
    rows = await store.fetch_all("SELECT COUNT(*) AS n FROM playlists WHERE owner_id = :owner", {"owner": owner_id})
    return int(rows[0]["n"])


async def public_playlists(store: ReadStore, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """Publicly listed playlists, most recently changed first (unlisted ones are not listed)."""
    sql = (
        _SUMMARY + "WHERE p.visibility = 'public' ORDER BY p.updated_at DESC, p.playlist_id LIMIT :limit OFFSET :offset"
    )
    return await store.fetch_all(sql, {"viewer": "", "limit": limit, "offset": offset})


async def playlist(store: ReadStore, playlist_id: str, *, viewer: str | None) -> dict[str, Any] | None:
    """One playlist's header row (``item_count`` as ``viewer`` sees it), or None."""
    rows = await store.fetch_all(_SUMMARY + "WHERE p.playlist_id = :id", {"id": playlist_id, "viewer": viewer or ""})
    return rows[0] if rows else None


async def items(
    store: ReadStore, playlist_id: str, *, viewer: str | None, limit: int, offset: int
) -> list[dict[str, Any]]:
    """A page of the playlist's items ``viewer`` may see, in order."""
    sql = (
        "SELECT i.item_id, i.track_id, i.rank, i.added_at " + _VISIBLE_ITEMS + "ORDER BY i.rank, i.item_id "
        "LIMIT :limit OFFSET :offset"
    )
    params = {"playlist": playlist_id, "viewer": viewer or "", "limit": limit, "offset": offset}
    return await store.fetch_all(sql, params)
