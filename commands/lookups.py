"""What the listening commands need to know before they are sent: the tracks a listener may queue.

The session decider cannot read the catalogue (it is pure and the tracks are another aggregate), so
the edge resolves track ids to their lengths here, refusing ids the caller cannot see: a removed
track, another listener's private track and an unknown id all read as ``track_not_found``, which
tells nobody that a private track exists.
"""

from __future__ import annotations

from collections.abc import Sequence

from tuneton.domain.track.rules import visible_to
from tuneton.ports import ReadStore


class TrackUnavailable(Exception):
    """A requested track (or playlist) is not there for this listener."""

    def __init__(self, *, reason: str, missing: str) -> None:
        super().__init__(f"no {reason.removesuffix('_not_found')} {missing} you can see")
        self.reason = reason
        self.missing = missing


async def playable(store: ReadStore, track_ids: Sequence[str], viewer: str) -> dict[str, int]:
    """The length (ms) of each of ``track_ids`` the viewer may play; the others are left out."""
    unique = list(dict.fromkeys(track_ids))
    if not unique:
        return {}
    names = {f"id{n}": track_id for n, track_id in enumerate(unique)}
    rows = await store.fetch_all(
        "SELECT track_id, owner_id, visibility, duration_ms FROM tracks "
        f"WHERE track_id IN ({', '.join(':' + name for name in names)})",
        names,
    )
    return {
        r["track_id"]: int(r["duration_ms"])
        for r in rows
        if visible_to(visibility=r["visibility"], owner_id=r["owner_id"], viewer=viewer)
    }


async def track_lengths(store: ReadStore, track_ids: Sequence[str], viewer: str) -> list[int]:
    """The length of each track, in order; ``TrackUnavailable`` for the first one the viewer cannot play."""
    found = await playable(store, track_ids, viewer)
    missing = next((track_id for track_id in track_ids if track_id not in found), None)
    if missing is not None:
        raise TrackUnavailable(reason="track_not_found", missing=missing)
    return [found[track_id] for track_id in track_ids]


async def playlist_tracks(store: ReadStore, playlist_id: str, viewer: str) -> list[str]:
    """The playlist's track ids in order, if the viewer may read it (owner, or unlisted/public)."""
    heads = await store.fetch_all(
        "SELECT owner_id, visibility FROM playlists WHERE playlist_id = :id", {"id": playlist_id}
    )
    if not heads or (heads[0]["visibility"] == "private" and heads[0]["owner_id"] != viewer):
        raise TrackUnavailable(reason="playlist_not_found", missing=playlist_id)
    rows = await store.fetch_all(
        "SELECT track_id FROM playlist_items WHERE playlist_id = :id ORDER BY rank, item_id", {"id": playlist_id}
    )
    return [r["track_id"] for r in rows]
