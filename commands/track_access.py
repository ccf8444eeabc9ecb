"""Which tracks a caller may use in a command: the tracks read model, checked with the one visibility rule.

Playlists and renders name tracks by id. A command may only name a track its caller can see: a made-up
id would become a dead entry, and another listener's private track in a public playlist would show
its id (and title, once resolved) to every reader. The decider knows no tracks (it is pure and keyed
by playlist), so the edge checks here; readers filter again, because a track can go private or be
removed after it was added.
"""

from __future__ import annotations

from typing import Any

from tuneton.domain.track.rules import visible_to
from tuneton.ports import ReadStore


async def visible_track(store: ReadStore, track_id: str, viewer: str) -> dict[str, Any] | None:
    """The track's ``tracks`` row if it exists and ``viewer`` may see it, else None (indistinguishable)."""
    rows = await store.fetch_all(
        "SELECT track_id, owner_id, visibility FROM tracks WHERE track_id = :id", {"id": track_id}
    )
    if not rows or not visible_to(visibility=rows[0]["visibility"], owner_id=rows[0]["owner_id"], viewer=viewer):
        return None
    return rows[0]
