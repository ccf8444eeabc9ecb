"""Facts of a listening session (keyed by the listener's user id), named in the past tense.

Queue facts (``ItemsQueued`` … ``RepeatChanged``) say what will play; playback facts (``TrackStarted``
… ``TrackSkipped``) say what played, which makes them the listening history analysts replay.
``play_no`` counts the session's plays (1, 2, …) and ties a play's progress and end to its start.
``at_ms`` is the instant (ms since the epoch) a position was true, so a device picking the session
up can tell where the music is *now*; it equals the envelope's ``occurred_at``, and is repeated here
because the session's state is folded from payloads alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.listening.values import ItemRank, QueuedItem, RepeatMode


@dataclass(frozen=True, kw_only=True)
class ItemsQueued:
    """Items joined the queue at their ranks."""

    items: tuple[QueuedItem, ...]


@dataclass(frozen=True, kw_only=True)
class ItemDequeued:
    """An item left the queue."""

    item_id: str


@dataclass(frozen=True, kw_only=True)
class QueueItemMoved:
    """An item now plays at order key ``rank``."""

    item_id: str
    rank: str


@dataclass(frozen=True, kw_only=True)
class QueueReplaced:
    """The queue is now exactly ``items`` (play a collection, clear).

    ``original_order`` is the order shuffle-off returns to (the collection's own order).
    """

    items: tuple[QueuedItem, ...]
    original_order: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class ShuffleChanged:
    """Shuffle went on (upcoming items re-ranked in an order drawn from ``seed``) or off (re-ranked back)."""

    enabled: bool
    seed: int
    ranks: tuple[ItemRank, ...]


@dataclass(frozen=True, kw_only=True)
class RepeatChanged:
    """What happens at the end of a track changed."""

    mode: RepeatMode


@dataclass(frozen=True, kw_only=True)
class TrackStarted:
    """Play number ``play_no`` began: ``item_id`` plays on ``device_id`` from ``position_ms``."""

    play_no: int
    item_id: str
    track_id: str
    duration_ms: int
    device_id: str
    position_ms: int
    at_ms: int


@dataclass(frozen=True, kw_only=True)
class PlaybackProgressed:
    """Coarse progress (every 15 s or so, and after a seek); ``heard_ms`` totals the play so far."""

    play_no: int
    position_ms: int
    heard_ms: int
    at_ms: int


@dataclass(frozen=True, kw_only=True)
class PlaybackPaused:
    """The play paused at ``position_ms``."""

    play_no: int
    position_ms: int
    heard_ms: int
    at_ms: int


@dataclass(frozen=True, kw_only=True)
class PlaybackResumed:
    """The play goes on from ``position_ms`` on ``device_id``; ``superseded_device_id`` was playing until now."""

    play_no: int
    device_id: str
    position_ms: int
    at_ms: int
    superseded_device_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RenditionSwitched:
    """The play goes on from a render (``asset_key``) or the original (``None``), at ``position_ms`` of it.

    Positions and the duration of the play are in the rendition's own timeline from here on; ``tempo`` maps
    them to the original's (``t_original = t_render * tempo``).
    """

    play_no: int
    asset_key: str | None
    tempo: float
    duration_ms: int
    position_ms: int
    at_ms: int


@dataclass(frozen=True, kw_only=True)
class TrackFinished:
    """The play reached the end of the track."""

    play_no: int
    track_id: str
    heard_ms: int


@dataclass(frozen=True, kw_only=True)
class TrackSkipped:
    """The play was left at ``position_ms`` (next, previous, another item, removed)."""

    play_no: int
    track_id: str
    position_ms: int
    heard_ms: int


ListeningEvent = (
    ItemsQueued
    | ItemDequeued
    | QueueItemMoved
    | QueueReplaced
    | ShuffleChanged
    | RepeatChanged
    | TrackStarted
    | PlaybackProgressed
    | PlaybackPaused
    | PlaybackResumed
    | RenditionSwitched
    | TrackFinished
    | TrackSkipped
)
EVENT_TYPES: tuple[type[object], ...] = (
    ItemsQueued,
    ItemDequeued,
    QueueItemMoved,
    QueueReplaced,
    ShuffleChanged,
    RepeatChanged,
    TrackStarted,
    PlaybackProgressed,
    PlaybackPaused,
    PlaybackResumed,
    RenditionSwitched,
    TrackFinished,
    TrackSkipped,
)
