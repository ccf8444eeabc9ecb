"""How often Python's cyclic garbage collector runs in the serving and worker processes.

A command allocates a few thousand short-lived objects (request, envelopes, events, rows), so with
Python's default young-generation threshold of 700 allocations the collector ran several times per
command, and every tenth young collection walks the middle generation too. Most of those objects die
by reference counting anyway; the collector only has cycles to find. A larger young threshold runs it
about seventy times less often, for a few megabytes more garbage held between runs. Measured on the
embedded backbone benchmark in three alternating pairs of runs (BENCHMARKS.md, "Backbone"): the
commands' p99 latency under load 88 / 124 / 134 ms → 61 / 54 / 55 ms (fewer pauses of a whole-heap
collection in the middle of a request); throughput and CPU per command unchanged within the noise
(461 / 495 / 466 → 465 / 476 / 472 commands/s); peak RSS within 3 MB.

The CLI's commands use it too: a read-model rebuild allocates a handful of objects per event, and
with the default threshold its collections took a sixth of the replay's CPU (PostgreSQL rebuild of
100,000 events: 5.5 → 4.5 CPU-seconds; BENCHMARKS.md, "Rebuild").
"""

from __future__ import annotations

import gc

OLDER_THRESHOLDS = (50, 100)  # middle and oldest generations: collected proportionally less often too


def tune_gc(young_threshold: int) -> None:
    """Collect the young generation every ``young_threshold`` net allocations (0: Python's defaults)."""
    if young_threshold > 0:
        gc.set_threshold(young_threshold, *OLDER_THRESHOLDS)
