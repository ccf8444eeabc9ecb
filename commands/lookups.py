"""What the listening commands need to know before they are sent: the tracks a listener may queue.

The session decider cannot read the catalogue (it is pure and the tracks are another aggregate), so
the edge resolves track ids to their lengths here, refusing ids the caller cannot see: a removed
track, another listener's private track and an unknown id all read as ``track_not_found``, which
tells nobody that a private track exists. A render to switch to must be of the playing track and
playable: ``409 render_failed`` and ``409 render_not_ready`` (queued, or an MP3 still rendering: it is
stored once complete) say why not; an HLS render that is still rendering plays as its playlist grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tuneton.domain.track.rules import visible_to
from tuneton.ports import ReadStore


class NotPlayable(Exception):
    """What the caller asked to play is not there for them (``reason``, ``status``: the HTTP answer)."""

    def __init__(self, message: str, *, reason: str, status: int, **details: Any) -> None:
        super().__init__(message)
        self.reason = reason
        self.status = status
        self.details = details


def _missing(kind: str, ident: str) -> NotPlayable:
    return NotPlayable(f"no {kind} {ident} you can see", reason=f"{kind}_not_found", status=404, id=ident)


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
        raise _missing("track", missing)
    return [found[track_id] for track_id in track_ids]


async def playlist_tracks(store: ReadStore, playlist_id: str, viewer: str) -> list[str]:
    """The playlist's track ids in order, if the viewer may read it (owner, or unlisted/public)."""
    heads = await store.fetch_all(
        "SELECT owner_id, visibility FROM playlists WHERE playlist_id = :id", {"id": playlist_id}
    )
    if not heads or (heads[0]["visibility"] == "private" and heads[0]["owner_id"] != viewer):
        raise _missing("playlist", playlist_id)
    rows = await store.fetch_all(
        "SELECT track_id FROM playlist_items WHERE playlist_id = :id ORDER BY rank, item_id", {"id": playlist_id}
    )
    return [r["track_id"] for r in rows]


async def rendition(store: ReadStore, asset_key: str, viewer: str) -> tuple[str, float, int]:
    """Track, tempo and duration (ms) of a render ``viewer`` can play now, or why they cannot.

    Whether it is a render of the item playing is the listening decider's check: the session's read
    model may not show yet a play the caller started a moment ago.
    """
    rows = await store.fetch_all(
        "SELECT track_id, status, output_format, tempo, duration_ms, source_duration_ms, percent, failure_reason "
        "FROM renders WHERE asset_key = :k",
        {"k": asset_key},
    )
    if not rows or not await playable(store, [str(rows[0]["track_id"])], viewer):  # nor one of a track hidden
        raise _missing("render", asset_key)  # from the caller: its id would tell them that track's id
    row = rows[0]
    track_id = str(row["track_id"])
    tempo = float(row["tempo"])
    if row["status"] == "failed":
        raise NotPlayable("the render failed; request it again to retry", reason="render_failed", status=409,
                          id=asset_key, failure_reason=row["failure_reason"])  # fmt: skip
    streaming = row["status"] == "rendering" and row["output_format"] == "aac-hls"
    if row["status"] != "ready" and not streaming:
        raise NotPlayable("the render cannot play yet", reason="render_not_ready", status=409, id=asset_key,
                          status_now=row["status"], percent=row["percent"])  # fmt: skip
    duration = row["duration_ms"] if row["status"] == "ready" else round(row["source_duration_ms"] / tempo)
    return track_id, tempo, int(duration)
