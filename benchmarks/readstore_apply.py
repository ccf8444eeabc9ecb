"""A live projector's transaction on PostgreSQL, alone: wall and client CPU per ``ReadStore.apply``
(and, for the edge's one-row reads such as the track-visibility check, per ``fetch_all``).

The Kafka benchmark's figures move by ±30 % from run to run on this machine, which hides a change
worth a few hundred microseconds per batch. This one times only the read store: batches shaped like
the playlists projector's under command load (a few TrackAdded events, each an item upsert and its
playlist's header update), applied one after another, as the projector does, to a fresh database.

    .venv/bin/python -m benchmarks.readstore_apply [--batches 600] [--events 3] [--reads 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

from benchmarks.product_env import DEFAULT_DSN
from tests.e2e.conftest import fresh_database
from tuneton.adapters.postgres.readstore import PostgresReadStore
from tuneton.events import topics
from tuneton.ports import Checkpoint, RowOp, Update, Upsert

SCHEMA = Path(__file__).resolve().parents[1] / "projections" / "playlists" / "schema.sql"


def batch(first_offset: int, events: int, playlists: int = 20) -> list[tuple[list[RowOp], Checkpoint]]:
    """``events`` TrackAdded-shaped entries from ``first_offset`` on, spread over ``playlists``."""
    entries: list[tuple[list[RowOp], Checkpoint]] = []
    for offset in range(first_offset, first_offset + events):
        playlist = f"p{offset % playlists}"
        item = Upsert(
            table="playlist_items",
            key={"playlist_id": playlist, "item_id": f"i{offset}"},
            values={"track_id": "t", "rank": f"a{offset:08}", "added_at": offset, "added_by": "bench"},
        )
        touch = Update(table="playlists", key={"playlist_id": playlist}, values={"version": offset, "updated_at": offset})
        checkpoint = Checkpoint(
            projection="playlists",
            topic=topics.PLAYLIST_EVENTS,
            partition=0,
            offset=offset,
            aggregate_id=playlist,
            aggregate_version=offset + 1,
        )
        entries.append(([item, touch], checkpoint))
    return entries


async def measure(dsn: str, batches: int, events: int, reads: int) -> dict[str, float]:
    """Apply ``batches`` batches in turn, then read one row ``reads`` times; wall and this process's CPU."""
    store = PostgresReadStore(dsn, ddl=[SCHEMA.read_text()])
    await store.start()
    try:
        await store.apply(batch(0, events))  # warm: pool connection, prepared statements
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(1, batches + 1):
            await store.apply(batch(n * events, events))
        figures = {
            "wall_ms_per_apply": round((time.perf_counter() - wall) / batches * 1e3, 3),
            "client_cpu_ms_per_apply": round((time.process_time() - cpu) / batches * 1e3, 3),
        }
        read = "SELECT playlist_id, owner_id, visibility FROM playlists WHERE playlist_id = :id"
        for _ in range(100):  # warm: the statement is prepared after a few runs
            await store.fetch_all(read, {"id": "p1"})
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(reads):
            await store.fetch_all(read, {"id": "p1"})
        figures["wall_us_per_read"] = round((time.perf_counter() - wall) / reads * 1e6, 1)
        figures["client_cpu_us_per_read"] = round((time.process_time() - cpu) / reads * 1e6, 1)
        return figures
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=600)
    parser.add_argument("--events", type=int, default=3, help="events per batch")
    parser.add_argument("--reads", type=int, default=3000, help="one-row reads timed after the batches")
    args = parser.parse_args()
    with fresh_database(os.environ.get("TUNETON_POSTGRES_DSN", DEFAULT_DSN), "tuneton_apply") as dsn:
        figures = asyncio.run(measure(dsn, args.batches, args.events, args.reads))
    print(json.dumps({"batches": args.batches, "events_per_batch": args.events, **figures}))


if __name__ == "__main__":
    main()
