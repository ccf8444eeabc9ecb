"""The state of a listening session, folded from its events (and stored in the decider's snapshots)."""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.listening.values import QueuedItem, RepeatMode


@dataclass(frozen=True, kw_only=True)
class NowPlaying:
    """The running play: which item, on which device, and the last recorded position."""

    play_no: int
    item_id: str
    track_id: str
    duration_ms: int
    device_id: str
    playing: bool
    position_ms: int
    at_ms: int
    heard_ms: int
    asset_key: str | None = None  # the render playing, None for the original
    tempo: float = 1.0  # of what plays: positions and duration are in its timeline


@dataclass(frozen=True, kw_only=True)
class Session:
    """A session as folded from its events; ``queue`` is kept sorted by rank (the play order)."""

    queue: tuple[QueuedItem, ...] = ()
    unshuffled: tuple[str, ...] = ()  # item ids in the order shuffle-off returns to (while shuffled)
    shuffle: bool = False
    seed: int = 0
    repeat: RepeatMode = RepeatMode.OFF
    plays: int = 0
    device_id: str | None = None  # the device that last pressed play; kept when playback stops
    now: NowPlaying | None = None
