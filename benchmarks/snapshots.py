"""Decider snapshot dump: how long one ``processors.snapshots.dump`` takes for a playlist of N items with
the full 256 remembered outcomes — per command on the hot path before, per aggregate per batch now.

Usage:
    python -m benchmarks.snapshots [--items 300] [--repeat 300]

Prints one JSON object: the best of five timing rounds, µs per dump, for a record the embedded decider
keeps between batches (item rows reused) and for one freshly decoded (the Faust worker's case).
Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Callable

from processors import snapshots
from processors.snapshots import AggregateRecord, RememberedOutcome
from tuneton.domain.playlist.commands import Visibility
from tuneton.domain.playlist.decider import Item, Playlist
from tuneton.events import topics


def playlist_record(items: int) -> AggregateRecord:
    """A playlist of ``items`` items with ``RECENT_COMMANDS`` remembered outcomes."""
    rows = tuple(Item(item_id=uuid.uuid4().hex, track_id=uuid.uuid4().hex, rank=f"a{i:05d}") for i in range(items))
    state = Playlist(owner_id="u1", name="bench", description="", visibility=Visibility.PRIVATE, items=rows)
    record = AggregateRecord(version=items + 1, state=state)
    for n in range(snapshots.RECENT_COMMANDS):
        record.remember(uuid.uuid4().hex, RememberedOutcome(status="ACCEPTED", aggregate_version=n, event_count=1))
    return record


def best_us(work: Callable[[], object], repeat: int) -> float:
    """Best of five rounds of ``repeat`` calls, µs per call."""
    rounds = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            work()
        rounds.append((time.perf_counter() - started) / repeat * 1e6)
    return round(min(rounds), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    record = playlist_record(args.items)
    data = snapshots.dump(record)
    record.item_rows = {}  # the embedded decider's kept record: reuses the rows of unchanged items
    snapshots.dump(record)
    fresh = [snapshots.load(data, topics.PLAYLIST) for _ in range(args.repeat * 5)]
    pending = iter(fresh)
    print(json.dumps({
        "items": args.items,
        "snapshot_bytes": len(data),
        "loadavg": os.getloadavg()[0],
        "dump_cached_aggregate_us": best_us(lambda: snapshots.dump(record), args.repeat),
        "dump_freshly_decoded_us": best_us(lambda: snapshots.dump(next(pending)), args.repeat),
        "load_us": best_us(lambda: snapshots.load(data, topics.PLAYLIST), args.repeat),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
