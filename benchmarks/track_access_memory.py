"""Memory of a full ``TrackAccess`` cache: the rows and their registrations with the read store's signals.

Usage:
    python -m benchmarks.track_access_memory [--rows 4096]

Fills a cache of ``rows`` rows (the default of ``TUNETON_TRACK_ACCESS_CACHE_ROWS``) through a store
whose ``invalidations`` are the PostgreSQL store's mechanism (``AppliedSignals.watch``) and whose rows
look like the ``tracks`` read model's, and prints what ``tracemalloc`` counts, in total and per row.
Not a test: nothing here asserts a size.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tracemalloc
import uuid
from contextlib import AbstractContextManager
from typing import Any, cast

from commands.track_access import TrackAccess
from tuneton.adapters.sql.applied import AppliedSignals
from tuneton.ports import ReadStore


class _Rows:
    """Every id is a public track of a user of its own; invalidations as PostgreSQL's store gives them."""

    def __init__(self) -> None:
        self.signals = AppliedSignals()

    async def fetch_all(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"track_id": params["id"], "owner_id": uuid.uuid4().hex, "visibility": "public"}]

    def invalidations(self, projection: str, aggregate_id: str) -> AbstractContextManager[asyncio.Event | None]:
        return self.signals.watch(projection, aggregate_id)


async def measure(rows: int) -> dict[str, float]:
    tracks = TrackAccess(cast(ReadStore, _Rows()), rows)
    ids = [str(uuid.uuid4()) for _ in range(rows)]
    tracemalloc.start()
    for track_id in ids:
        await tracks.visible_track(track_id, "listener")
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": tracks.held(), "mb": round(held / 2**20, 1), "bytes_per_row": round(held / rows)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4096)
    print(json.dumps(asyncio.run(measure(parser.parse_args().rows))))


if __name__ == "__main__":
    main()
