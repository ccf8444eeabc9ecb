"""Play order of a queue: order keys for inserts and re-ranks, and the seeded shuffle.

The shuffle is a Fisher-Yates shuffle driven by SHA-256 of (seed, step), not by ``random``: the
permutation for a seed is fixed forever, whatever the Python version, so a redelivered command
decides the same order. The chosen order travels in the event anyway (``ShuffleChanged.ranks``),
so replays never recompute it.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from typing import TypeVar

from tuneton.domain.listening.values import ItemRank, QueuedItem
from tuneton.domain.playlist.ordering import keys_between

T = TypeVar("T")


def shuffled(values: Sequence[T], seed: int) -> list[T]:
    """``values`` permuted by ``seed``: the same seed always gives the same order."""
    out = list(values)
    for i in range(len(out) - 1, 0, -1):
        digest = hashlib.sha256(f"{seed}:{i}".encode()).digest()
        j = int.from_bytes(digest[:8], "big") % (i + 1)
        out[i], out[j] = out[j], out[i]
    return out


def reranked(item_ids: Sequence[str], after: str | None) -> tuple[ItemRank, ...]:
    """New ranks putting ``item_ids`` in this order after the key ``after``."""
    return tuple(
        ItemRank(item_id=i, rank=k) for i, k in zip(item_ids, keys_between(after, None, len(item_ids)), strict=True)
    )


def inserted(queue: tuple[QueuedItem, ...], item: QueuedItem) -> tuple[QueuedItem, ...]:
    """``queue`` with ``item`` placed by (rank, item_id), keeping it sorted."""
    at = bisect.bisect_left(queue, (item.rank, item.item_id), key=lambda i: (i.rank, i.item_id))
    return (*queue[:at], item, *queue[at:])
