"""Which tracks a caller may use in a command: the tracks read model, checked with the one visibility rule.

Playlists and renders name tracks by id. A command may only name a track its caller can see: a made-up
id would become a dead entry, and another listener's private track in a public playlist would show
its id (and title, once resolved) to every reader. The decider knows no tracks (it is pure and keyed
by playlist), so the edge checks here; readers filter again, because a track can go private or be
removed after it was added.

Every playlist command that adds a track paid for this lookup with a PostgreSQL round trip: about a
tenth of the Kafka runtime's CPU per command (BENCHMARKS, twelfth session). ``TrackAccess`` remembers
the rows it read for as long as the read store *promises* to say when the tracks projection commits a
change to them (``ReadStore.invalidations``: PostgreSQL's LISTEN, which wakes every entry when its
connection drops). Such an answer is exactly as old as the uncached one could be: the read model is
itself a projection of the log, and the entry is dropped by the same commit notification that wakes a
read-your-writes waiter. What is cached is the row (owner and visibility), never a verdict: the rule is
applied to each caller on every hit, so one caller's lookup tells another nothing.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from projections.tracks.project import NAME as TRACKS_PROJECTION  # the one projection that writes ``tracks``
from tuneton.domain.track.rules import visible_to
from tuneton.ports import ReadStore


async def visible_track(store: ReadStore, track_id: str, viewer: str) -> dict[str, Any] | None:
    """The track's ``tracks`` row if it exists and ``viewer`` may see it, else None (indistinguishable)."""
    return _if_visible(await _track_row(store, track_id), viewer)


async def _track_row(store: ReadStore, track_id: str) -> dict[str, Any] | None:
    rows = await store.fetch_all(
        "SELECT track_id, owner_id, visibility FROM tracks WHERE track_id = :id", {"id": track_id}
    )
    return rows[0] if rows else None


def _if_visible(row: dict[str, Any] | None, viewer: str) -> dict[str, Any] | None:
    if row is None or not visible_to(visibility=row["visibility"], owner_id=row["owner_id"], viewer=viewer):
        return None
    return row


@dataclass(slots=True)
class _Remembered:
    row: dict[str, Any]
    changed: asyncio.Event  # set by the store when the row may have changed
    registration: AbstractContextManager[asyncio.Event | None]  # the store's, left when the entry goes


class TrackAccess:
    """``visible_track`` with the rows remembered while the read store vouches for them (module doc)."""

    def __init__(self, store: ReadStore, capacity: int) -> None:
        """At most ``capacity`` rows (``TUNETON_TRACK_ACCESS_CACHE_ROWS``; 1,860 bytes each with their
        registration, benchmarks/track_access_memory.py); the least recently used go first, and 0 keeps none."""
        self._store = store
        self._capacity = capacity
        self._rows: OrderedDict[str, _Remembered] = OrderedDict()

    async def visible_track(self, track_id: str, viewer: str) -> dict[str, Any] | None:
        """As the module function ``visible_track``; a *yes* comes from memory when nothing has changed.

        A refusal is always read afresh: a row held from before an ingest or a change to public that
        has been committed but not yet announced must not turn a rightful command away.
        """
        held = self._rows.get(track_id)
        if held is not None and not held.changed.is_set():
            self._rows.move_to_end(track_id)
            found = _if_visible(held.row, viewer)
            if found is not None:
                return found
        if held is not None:
            self._forget(track_id)
        if self._capacity <= 0:
            return await visible_track(self._store, track_id, viewer)
        # Registered *before* the read: a commit while the query runs sets the event, and the entry
        # is read again next time instead of holding the older row.
        registration = self._store.invalidations(TRACKS_PROJECTION, track_id)
        changed = registration.__enter__()
        try:
            row = await _track_row(self._store, track_id)
        except BaseException:
            registration.__exit__(None, None, None)
            raise
        if changed is None or row is None:  # the store cannot vouch, or no such track: nothing to keep
            registration.__exit__(None, None, None)
        else:
            self._remember(track_id, _Remembered(row, changed, registration))
        return _if_visible(row, viewer)

    def held(self) -> int:
        """How many rows are remembered (tests check the bound and the release of registrations)."""
        return len(self._rows)

    def close(self) -> None:
        """Leave every registration (the store's waiters must not outlive this cache)."""
        while self._rows:
            self._forget(next(iter(self._rows)))

    def _remember(self, track_id: str, entry: _Remembered) -> None:
        if track_id in self._rows:  # two lookups of one id raced: keep the later read
            self._forget(track_id)
        self._rows[track_id] = entry
        while len(self._rows) > self._capacity:
            self._forget(next(iter(self._rows)))

    def _forget(self, track_id: str) -> None:
        self._rows.pop(track_id).registration.__exit__(None, None, None)
