"""Queries over the ``tracks`` read model: by id, by ids, browse by artist/album/recent, all visibility-aware.

A listing shows public tracks plus the viewer's own (any visibility); by id, unlisted tracks are
readable too. The visibility rule itself lives in the router (``readable``), the filters here.
Every row carries the track's analysis columns (``bpm``, ``key_tonic``, ... ``peak_dbfs``), all NULL
when the track was not analysed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneton.media.search_text import filter_key
from tuneton.ports import ReadStore

# tracks plus its optional analysis row; ``t`` stays the alias the filters and orders name
_ROWS = "tracks t LEFT JOIN track_analysis x ON x.track_id = t.track_id"
_COLUMNS = "t.*, x.bpm, x.key_tonic, x.key_mode, x.key_confidence, x.lufs, x.peak_dbfs"
_VISIBLE = "(t.visibility = 'public' OR t.owner_id = :viewer)"
_ORDER = {
    "album": "t.disc_number, t.track_number, t.sort_key, t.track_id",
    "artist": "t.album_key, t.disc_number, t.track_number, t.sort_key, t.track_id",
    "recent": "t.created_at DESC, t.track_id",
}


async def track(store: ReadStore, track_id: str) -> dict[str, Any] | None:
    """One track's row, or None."""
    rows = await store.fetch_all(f"SELECT {_COLUMNS} FROM {_ROWS} WHERE t.track_id = :id", {"id": track_id})
    return rows[0] if rows else None


async def media(store: ReadStore, track_id: str) -> dict[str, Any] | None:
    """What a media request needs of one track (who may read it, its blobs), or None.

    Every range request of a player asks this: the full row with its analysis join cost a sixth of
    the media path's CPU (``benchmarks/streaming.py --profile``), most of it building columns unused here.
    """
    rows = await store.fetch_all(
        "SELECT track_id, owner_id, visibility, original_json, renditions_json, covers_json "
        "FROM tracks WHERE track_id = :id",
        {"id": track_id},
    )
    return rows[0] if rows else None


async def tracks_by_id(store: ReadStore, track_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Rows of the given tracks (missing ones are absent), for enriching search hits."""
    if not track_ids:
        return {}
    names = {f"id{n}": track_id for n, track_id in enumerate(track_ids)}
    placeholders = ", ".join(f":{name}" for name in names)
    rows = await store.fetch_all(f"SELECT {_COLUMNS} FROM {_ROWS} WHERE t.track_id IN ({placeholders})", names)
    return {row["track_id"]: row for row in rows}


async def browse(
    store: ReadStore,
    *,
    viewer: str | None,
    artist: str | None = None,
    album: str | None = None,
    mine: bool = False,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of visible tracks and the total: one album in track order, an artist's by album, or newest first."""
    where, params = _filters(viewer=viewer, artist=artist, album=album, mine=mine)
    order = _ORDER["album" if album else "artist" if artist else "recent"]
    rows = await store.fetch_all(
        f"SELECT {_COLUMNS} FROM {_ROWS} WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    )
    counted = await store.fetch_all(f"SELECT COUNT(*) AS n FROM tracks t WHERE {where}", params)
    return rows, int(counted[0]["n"])


def _filters(*, viewer: str | None, artist: str | None, album: str | None, mine: bool) -> tuple[str, dict[str, Any]]:
    clauses = ["t.owner_id = :viewer" if mine else _VISIBLE]
    params: dict[str, Any] = {"viewer": viewer or ""}
    if artist is not None:
        credited = "SELECT 1 FROM track_artists a WHERE a.track_id = t.track_id AND a.artist_key = :artist"
        clauses.append(f"EXISTS ({credited})")
        params["artist"] = filter_key(artist)
    if album is not None:
        clauses.append("t.album_key = :album")
        params["album"] = filter_key(album)
    return " AND ".join(clauses), params
