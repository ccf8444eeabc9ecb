"""Value objects shared by listening commands and events."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RepeatMode(StrEnum):
    """What happens when a track ends: go on (and stop at the end), repeat the track, or loop the queue."""

    OFF = "off"
    ONE = "one"
    ALL = "all"


@dataclass(frozen=True, kw_only=True)
class QueueEntry:
    """A track to queue as resolved at the edge: a fresh item id (derived from the command id) and its length."""

    item_id: str
    track_id: str
    duration_ms: int


@dataclass(frozen=True, kw_only=True)
class QueuedItem:
    """An item of the queue; the queue plays in ``rank`` order (fractional keys, like playlist items)."""

    item_id: str
    track_id: str
    duration_ms: int
    rank: str


@dataclass(frozen=True, kw_only=True)
class ItemRank:
    """A new order key for one queued item (shuffle on or off re-ranks the upcoming items)."""

    item_id: str
    rank: str
