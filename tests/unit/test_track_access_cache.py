"""TrackAccess: rows remembered only while the store vouches for them, the rule applied per caller.

The store here is a stand-in with a dict of rows, a query counter and the real ``AppliedSignals``
behind ``invalidations``; the PostgreSQL store's promise is checked against the server in
tests/integration/test_playlist_readers.py.
"""

from __future__ import annotations

import asyncio
from contextlib import AbstractContextManager, nullcontext
from typing import Any, cast

import pytest

from commands.track_access import TRACKS_PROJECTION, TrackAccess
from tuneton.adapters.sql.applied import EVERY_AGGREGATE, AppliedSignals
from tuneton.ports import ReadStore


class RowsStore:
    """``fetch_all`` over ``rows``; ``invalidations`` from ``signals`` unless ``vouches`` is off."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.queries = 0
        self.signals = AppliedSignals()
        self.vouches = True
        self.during_query: list[Any] = []  # callables run while a query is "on the server"

    async def fetch_all(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.queries += 1
        row = self.rows.get(params["id"])
        for action in self.during_query:
            action()
        self.during_query.clear()
        await asyncio.sleep(0)
        return [dict(row)] if row is not None else []

    def invalidations(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        return self.signals.watch(projection, aggregate_id) if self.vouches else nullcontext(None)

    def commit(self, track_id: str, **values: Any) -> None:
        """The tracks projector's commit and its notification."""
        self.rows[track_id] = {"track_id": track_id, **self.rows.get(track_id, {}), **values}
        self.signals.applied(TRACKS_PROJECTION, [track_id])


@pytest.fixture
def store() -> RowsStore:
    rows = RowsStore()
    rows.commit("t-pub", owner_id="bob", visibility="public")
    rows.commit("t-bob", owner_id="bob", visibility="private")
    return rows


def access(store: RowsStore, capacity: int = 8) -> TrackAccess:
    return TrackAccess(cast(ReadStore, store), capacity)


async def test_a_remembered_row_answers_without_a_query(store: RowsStore) -> None:
    tracks = access(store)
    assert await tracks.visible_track("t-pub", "ali") is not None
    assert await tracks.visible_track("t-pub", "eve") is not None
    assert store.queries == 1


async def test_the_rule_is_applied_to_each_caller_on_a_hit(store: RowsStore) -> None:
    tracks = access(store)
    assert await tracks.visible_track("t-bob", "bob") is not None  # the owner's lookup fills the entry
    assert await tracks.visible_track("t-bob", "bob") is not None
    assert store.queries == 1
    assert await tracks.visible_track("t-bob", "ali") is None  # ... which tells Ali nothing


async def test_a_refusal_is_always_read_afresh(store: RowsStore) -> None:
    tracks = access(store)
    assert await tracks.visible_track("t-bob", "bob") is not None
    store.rows["t-bob"] = {**store.rows["t-bob"], "visibility": "public"}  # committed, not yet announced
    assert await tracks.visible_track("t-bob", "ali") is not None
    assert await tracks.visible_track("t-new", "ali") is None
    assert await tracks.visible_track("t-new", "ali") is None
    assert (store.queries, tracks.held()) == (4, 1)  # an unknown id takes no room


async def test_a_commit_of_the_track_drops_it(store: RowsStore) -> None:
    tracks = access(store)
    assert await tracks.visible_track("t-pub", "ali") is not None
    store.rows["t-pub"] = {**store.rows["t-pub"], "visibility": "private"}  # committed, not yet announced
    assert await tracks.visible_track("t-pub", "ali") is not None  # as old as an uncached read could be
    store.signals.applied(TRACKS_PROJECTION, ["t-pub"])
    assert await tracks.visible_track("t-pub", "ali") is None
    assert store.queries == 2


async def test_a_commit_while_the_row_is_read_is_not_lost(store: RowsStore) -> None:
    tracks = access(store)
    store.during_query.append(lambda: store.commit("t-pub", visibility="private"))
    assert await tracks.visible_track("t-pub", "ali") is not None  # read before the commit
    assert await tracks.visible_track("t-pub", "ali") is None  # the commit's notice was not missed
    assert store.queries == 2


async def test_other_projections_and_other_tracks_leave_it(store: RowsStore) -> None:
    tracks = access(store)
    await tracks.visible_track("t-pub", "ali")
    store.signals.applied("playlists", ["t-pub"])
    store.commit("t-bob", visibility="public")
    await tracks.visible_track("t-pub", "ali")
    assert store.queries == 1


@pytest.mark.parametrize("lose", ["whole projection", "feed lost"])
async def test_a_notice_naming_no_track_or_a_lost_feed_drops_everything(store: RowsStore, lose: str) -> None:
    tracks = access(store)
    await tracks.visible_track("t-pub", "ali")
    await tracks.visible_track("t-bob", "bob")
    if lose == "feed lost":
        store.signals.wake_all()
    else:
        store.signals.applied(TRACKS_PROJECTION, [EVERY_AGGREGATE])
    await tracks.visible_track("t-pub", "ali")
    await tracks.visible_track("t-bob", "bob")
    assert store.queries == 4


async def test_nothing_is_kept_while_the_store_cannot_vouch(store: RowsStore) -> None:
    store.vouches = False
    tracks = access(store)
    await tracks.visible_track("t-pub", "ali")
    await tracks.visible_track("t-pub", "ali")
    assert (store.queries, tracks.held(), store.signals.waiting()) == (2, 0, 0)


async def test_the_least_recently_used_go_first_and_release_their_registration(store: RowsStore) -> None:
    for n in range(5):
        store.commit(f"t{n}", owner_id="bob", visibility="public")
    tracks = access(store, capacity=3)
    for n in (0, 1, 2, 0, 3):  # t0 used again: t1 is the oldest when t3 arrives
        await tracks.visible_track(f"t{n}", "ali")
    assert (tracks.held(), store.signals.waiting()) == (3, 3)
    queries = store.queries
    await tracks.visible_track("t0", "ali")
    await tracks.visible_track("t1", "ali")
    assert store.queries == queries + 1
    tracks.close()
    assert (tracks.held(), store.signals.waiting()) == (0, 0)


async def test_capacity_zero_is_the_plain_lookup(store: RowsStore) -> None:
    tracks = access(store, capacity=0)
    assert await tracks.visible_track("t-bob", "ali") is None
    assert await tracks.visible_track("t-bob", "bob") is not None
    assert (store.queries, store.signals.waiting()) == (2, 0)


async def test_a_failed_query_leaves_no_registration(store: RowsStore) -> None:
    tracks = access(store)

    def fail() -> None:
        raise OSError("server gone")

    store.during_query.append(fail)
    with pytest.raises(OSError, match="server gone"):
        await tracks.visible_track("t-pub", "ali")
    assert (tracks.held(), store.signals.waiting()) == (0, 0)
