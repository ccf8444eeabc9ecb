"""Decider snapshots: the JSON the standard library wrote is what orjson writes and reads, and the
encoded-row cache never serves a stale or foreign row."""

from __future__ import annotations

import json
from dataclasses import replace

from processors import snapshots
from processors.snapshots import AggregateRecord, RememberedOutcome
from tuneton.domain.playlist.commands import Visibility
from tuneton.domain.playlist.decider import Item, Playlist
from tuneton.events import topics


def playlist(items: tuple[Item, ...]) -> AggregateRecord:
    record = AggregateRecord(
        version=len(items) + 1,
        state=Playlist(owner_id="ada", name="Naïve ✓", description="", visibility=Visibility.PRIVATE, items=items),
    )
    record.remember("c-1", RememberedOutcome(status="rejected", aggregate_version=1, event_count=0, reason="x"))
    return record


def items(n: int, prefix: str = "i") -> tuple[Item, ...]:
    return tuple(Item(item_id=f"{prefix}{k}", track_id=f"t{k}", rank=f"a{k:03d}") for k in range(n))


def test_a_snapshot_is_the_compact_json_the_standard_library_wrote_and_reads_back() -> None:
    record = playlist(items(3))
    data = snapshots.dump(record)
    expected = {
        "version": 4,
        "state": {
            "owner_id": "ada",
            "name": "Naïve ✓",
            "description": "",
            "visibility": "private",
            "items": [["i0", "t0", "a000"], ["i1", "t1", "a001"], ["i2", "t2", "a002"]],
            "deleted": False,
        },
        "recent": {"c-1": ["rejected", 1, 0, "x", None, None, None]},
    }
    assert data == json.dumps(expected, separators=(",", ":"), ensure_ascii=False).encode()
    loaded = snapshots.load(data, topics.PLAYLIST)
    assert (loaded.version, loaded.state, loaded.recent) == (record.version, record.state, record.recent)


def test_each_snapshot_shows_the_items_of_its_own_state() -> None:
    first = playlist(items(2))
    snapshots.dump(first)  # rows of i0, i1 now cached
    grown = replace(first.state, items=(*first.state.items, Item(item_id="new", track_id="t9", rank="b")))
    moved = replace(first.state, items=(replace(first.state.items[0], rank="z"), first.state.items[1]))
    for state in (grown, moved):
        record = AggregateRecord(version=9, state=state)
        assert snapshots.load(snapshots.dump(record), topics.PLAYLIST).state == state


def test_an_item_equal_to_a_cached_one_but_not_the_same_object_is_encoded_itself() -> None:
    snapshots.dump(playlist(items(50, "a")))
    other = items(50, "b")  # new objects: ids may be reused from collected ones, the cache must not care
    assert snapshots.load(snapshots.dump(playlist(other)), topics.PLAYLIST).state.items == other


def test_the_remembered_rows_follow_the_outcomes_through_eviction_and_copies() -> None:
    record = playlist(items(1))
    for n in range(snapshots.RECENT_COMMANDS + 10):
        record.remember(f"c{n}", RememberedOutcome(status="accepted", aggregate_version=n, event_count=1))
    copied = snapshots.copy(record)
    copied.remember("late", RememberedOutcome(status="accepted", aggregate_version=999, event_count=1))
    for each in (record, copied):
        body = json.loads(snapshots.dump(each))
        assert list(body["recent"]) == list(each.recent)  # same ids, same (insertion) order
        names = ("status", "aggregate_version", "event_count", "reason", "kind", "message", "details_json")
        assert body["recent"] == {k: [getattr(v, name) for name in names] for k, v in each.recent.items()}
        assert snapshots.load(snapshots.dump(each), topics.PLAYLIST).recent == each.recent
    assert "late" not in record.recent  # the copy's change stays in the copy


def test_a_record_reuses_item_rows_only_when_its_host_opts_in_and_keeps_only_its_own() -> None:
    """Fresh decodes (Faust) keep nothing; a kept record (embedded) holds the rows of its current items."""
    data = snapshots.dump(playlist(items(300)))
    fresh = snapshots.load(data, topics.PLAYLIST)
    snapshots.dump(fresh)
    assert fresh.item_rows is None
    kept = snapshots.load(data, topics.PLAYLIST)
    kept.item_rows = {}  # what the embedded decider does for the records it keeps
    for n in range(5):
        kept.state = replace(kept.state, items=(*kept.state.items[1:], Item(item_id=f"n{n}", track_id="t", rank="z")))
        assert snapshots.load(snapshots.dump(kept), topics.PLAYLIST).state == kept.state
        assert kept.item_rows is not None
        assert len(kept.item_rows) == len(kept.state.items)  # the rows of removed items went with them
