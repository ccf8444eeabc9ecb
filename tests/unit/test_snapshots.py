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
        record.remember(f"c{n}", RememberedOutcome(status="ACCEPTED", aggregate_version=n, event_count=1))
    copied = snapshots.copy(record)
    copied.remember("late", RememberedOutcome(status="ACCEPTED", aggregate_version=999, event_count=1))
    for each in (record, copied):
        body = json.loads(snapshots.dump(each))
        assert list(body["recent"]) == list(each.recent)  # same ids, same (insertion) order
        assert body["recent"] == {k: [v.aggregate_version, v.event_count] for k, v in each.recent.items()}
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
        assert [items for items, _ in kept.item_rows.values()] == [kept.state.items]  # its own items only


def test_an_acceptance_is_remembered_in_two_numbers_and_any_other_outcome_in_full() -> None:
    record = playlist(items(1))  # remembers c-1, a rejection
    record.remember("c-2", RememberedOutcome(status="ACCEPTED", aggregate_version=7, event_count=2))
    odd = RememberedOutcome(status="ACCEPTED", aggregate_version=8, event_count=0, message="a note")
    record.remember("c-3", odd)
    body = json.loads(snapshots.dump(record))
    assert body["recent"] == {
        "c-1": ["rejected", 1, 0, "x", None, None, None],
        "c-2": [7, 2],
        "c-3": ["ACCEPTED", 8, 0, None, None, "a note", None],
    }
    assert snapshots.load(snapshots.dump(record), topics.PLAYLIST).recent == record.recent


def test_a_snapshot_written_before_short_rows_still_reads() -> None:
    """Snapshots in state stores today hold every acceptance in full; they read as they always did."""
    old = b'{"version":2,"state":null,"recent":{"c-9":["ACCEPTED",2,1,null,null,null,null]}}'
    loaded = snapshots.load(old, topics.PLAYLIST)
    assert loaded.recent == {"c-9": RememberedOutcome(status="ACCEPTED", aggregate_version=2, event_count=1)}
    loaded.remember("c-10", RememberedOutcome(status="ACCEPTED", aggregate_version=3, event_count=1))
    again = snapshots.load(snapshots.dump(loaded), topics.PLAYLIST)
    assert again.recent == loaded.recent


def test_a_kept_record_splices_appended_rows_and_encodes_anything_else_afresh() -> None:
    """Each dump of a kept record reads back as its own state, whatever the previous dump held."""
    record = playlist(items(3))
    record.item_rows = {}
    fresh = AggregateRecord(version=0, state=None)
    steps = [
        lambda its: (*its, Item(item_id="x1", track_id="t", rank="b1")),  # appended: spliced
        lambda its: (*its, Item(item_id="x2", track_id="t", rank="b2"), Item(item_id="x3", track_id="t", rank="b3")),
        lambda its: its,  # unchanged: the same bytes
        lambda its: (Item(item_id="first", track_id="t", rank="0"), *its),  # inserted in front
        lambda its: (its[0], replace(its[1], rank="a5"), *its[2:]),  # one replaced, the last the same object
        lambda its: its[:2] + its[3:],  # removed from the middle
        lambda its: its[:-1],  # the last removed: a prefix of the previous, not an extension
        lambda its: (),  # emptied
        lambda its: (Item(item_id="again", track_id="t", rank="c"),),  # after an empty array
        lambda its: (*its, Item(item_id="more", track_id="t", rank="d")),
    ]
    for step in steps:
        record.state = replace(record.state, items=step(record.state.items))
        data = snapshots.dump(record)
        fresh.state, fresh.version, fresh.recent = record.state, record.version, record.recent
        assert data == snapshots.dump(snapshots.copy(fresh))  # byte for byte what a fresh dump writes
        assert snapshots.load(data, topics.PLAYLIST).state == record.state
