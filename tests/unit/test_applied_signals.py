"""Read-your-writes waiters: who is woken by which commit, and the wait built on it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from query_api.consistency import ReadModelBehind, wait_for
from tuneton.adapters.sql.applied import (
    EVERY_AGGREGATE,
    NOTIFY_PAYLOAD_MAX,
    AppliedSignals,
    notify_payload,
    parse_payload,
)
from tuneton.events.consistency import ConsistencyToken


async def test_a_commit_wakes_the_waiters_of_the_aggregates_it_names() -> None:
    signals = AppliedSignals()
    with signals.watch("playlists", "a") as a, signals.watch("playlists", "b") as b, signals.watch("users", "a") as u:
        signals.applied("playlists", ["a", "z"])
        assert (a.is_set(), b.is_set(), u.is_set()) == (True, False, False)
        signals.applied("playlists", [EVERY_AGGREGATE])
        assert b.is_set()
        assert not u.is_set()
        signals.wake_all()
        assert u.is_set()


async def test_two_waiters_of_one_aggregate_are_both_woken_and_leaving_forgets_them() -> None:
    signals = AppliedSignals()
    with signals.watch("playlists", "a") as first:
        with signals.watch("playlists", "a") as second:
            assert signals.waiting() == 2
        assert signals.waiting() == 1
        signals.applied("playlists", ["a"])
        assert first.is_set()
        assert not second.is_set()
    assert signals.waiting() == 0
    signals.applied("playlists", ["a"])  # nobody waits: nothing to do, nothing kept


def test_a_payload_names_its_aggregates_or_stands_for_all_when_they_do_not_fit() -> None:
    assert parse_payload(notify_payload("playlists", ["b", "a"])) == ("playlists", ["a", "b"])
    many = [f"{n:036d}" for n in range(400)]
    payload = notify_payload("playlists", many)
    assert len(payload.encode()) <= NOTIFY_PAYLOAD_MAX
    assert parse_payload(payload) == ("playlists", [EVERY_AGGREGATE])
    assert parse_payload("playlists") == ("playlists", [EVERY_AGGREGATE])


class _Store:
    """A read model whose version the test moves; announces commits unless ``announces`` is False."""

    def __init__(self, *, announces: bool) -> None:
        self.version = 0
        self.reads = 0
        self.signals = AppliedSignals()
        self.announces = announces

    @contextmanager
    def watch(self, projection: str, aggregate_id: str) -> Iterator[asyncio.Event | None]:
        if not self.announces:
            yield None
            return
        with self.signals.watch(projection, aggregate_id) as event:
            yield event

    async def aggregate_version(self, projection: str, aggregate_id: str) -> int:
        self.reads += 1
        return self.version

    def commit(self, version: int) -> None:
        self.version = version
        self.signals.applied("playlists", ["p1"])


TOKEN = ConsistencyToken(aggregate_type="playlist", aggregate_id="p1", version=2)


async def test_an_announced_commit_ends_the_wait_with_one_more_read() -> None:
    store = _Store(announces=True)
    waiting = asyncio.create_task(wait_for(store, TOKEN, budget_s=30))  # type: ignore[arg-type]
    await asyncio.sleep(0.01)
    assert store.reads == 1
    assert not waiting.done()
    store.commit(1)  # not yet the token's version: read again, wait again
    await asyncio.sleep(0.01)
    assert store.reads == 2
    assert not waiting.done()
    store.commit(2)
    await asyncio.wait_for(waiting, 5)
    assert store.reads == 3


async def test_without_announcements_the_wait_polls_and_gives_up_at_its_budget() -> None:
    store = _Store(announces=False)
    with pytest.raises(ReadModelBehind):
        await wait_for(store, TOKEN, budget_s=0.05)  # type: ignore[arg-type]
    assert store.reads >= 3  # 2, 4, 8 … ms apart
