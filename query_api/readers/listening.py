"""Queries over the ``listening`` read model: the session, its queue, and the listening history.

A play *counts* (play counts, charts) once it finished or 30 s of it were heard — the industry's
usual threshold; "continue listening" is each track's latest play when that play was left unfinished
somewhere past its first and before its last ``EDGE_MS``.
"""

from __future__ import annotations

from typing import Any

from tuneton.ports import ReadStore

COUNTS_AFTER_MS = 30_000
EDGE_MS = 10_000
_COUNTED = f"(h.outcome = 'finished' OR h.heard_ms >= {COUNTS_AFTER_MS})"
_VISIBLE = "(t.visibility = 'public' OR t.owner_id = :viewer)"


async def session(store: ReadStore, session_id: str) -> dict[str, Any] | None:
    """The session row, or None before the listener's first command."""
    rows = await store.fetch_all("SELECT * FROM listening_sessions WHERE session_id = :id", {"id": session_id})
    return rows[0] if rows else None


async def queue(store: ReadStore, session_id: str) -> list[dict[str, Any]]:
    """The queue in play order, each item with its track's title and whether the listener may still play it."""
    sql = (
        "SELECT q.item_id, q.track_id, q.duration_ms, q.rank, t.title, t.owner_id, t.visibility "
        "FROM listening_queue q LEFT JOIN tracks t ON t.track_id = q.track_id "
        "WHERE q.session_id = :id ORDER BY q.rank, q.item_id"
    )
    return await store.fetch_all(sql, {"id": session_id})


async def history(store: ReadStore, session_id: str, *, limit: int, offset: int) -> list[dict[str, Any]]:
    """The listener's plays, newest first."""
    sql = "SELECT * FROM listening_history WHERE session_id = :id ORDER BY play_no DESC LIMIT :limit OFFSET :offset"
    return await store.fetch_all(sql, {"id": session_id, "limit": limit, "offset": offset})


async def recently_played(store: ReadStore, session_id: str, *, limit: int) -> list[dict[str, Any]]:
    """Distinct tracks the listener played, most recent first, with how often each play counted."""
    sql = (
        f"SELECT h.track_id, MAX(h.started_at) AS last_played_at, SUM(CASE WHEN {_COUNTED} THEN 1 ELSE 0 END) AS plays "
        "FROM listening_history h WHERE h.session_id = :id GROUP BY h.track_id "
        "ORDER BY last_played_at DESC, h.track_id LIMIT :limit"
    )
    return await store.fetch_all(sql, {"id": session_id, "limit": limit})


async def continue_listening(store: ReadStore, session_id: str, *, limit: int) -> list[dict[str, Any]]:
    """Tracks whose latest play was left unfinished, with where it was left, most recent first."""
    sql = (
        "SELECT h.track_id, h.position_ms, h.duration_ms, h.started_at, h.play_no FROM listening_history h "
        "WHERE h.session_id = :id AND h.outcome <> 'finished' "
        "AND h.position_ms >= :edge AND h.position_ms <= h.duration_ms - :edge "
        "AND h.play_no = (SELECT MAX(l.play_no) FROM listening_history l "
        "WHERE l.session_id = h.session_id AND l.track_id = h.track_id) "
        "ORDER BY h.play_no DESC LIMIT :limit"
    )
    return await store.fetch_all(sql, {"id": session_id, "edge": EDGE_MS, "limit": limit})


async def play_counts(store: ReadStore, *, viewer: str, session_id: str | None, limit: int) -> list[dict[str, Any]]:
    """Counted plays per track, most played first: one listener's, or everybody's (tracks the viewer may see)."""
    mine = "AND h.session_id = :id " if session_id is not None else ""
    sql = (
        "SELECT h.track_id, COUNT(*) AS plays FROM listening_history h JOIN tracks t ON t.track_id = h.track_id "
        f"WHERE {_COUNTED} AND {_VISIBLE} {mine}GROUP BY h.track_id ORDER BY plays DESC, h.track_id LIMIT :limit"
    )
    return await store.fetch_all(sql, {"viewer": viewer, "id": session_id, "limit": limit})
