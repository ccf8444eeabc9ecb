"""Commands about a listening session, named in the imperative. ``session_id`` is the listener's user id.

Ids and seeds are chosen at the edge (derived from the command id), so a redelivered command decides
byte-identical events. ``device_id`` names the player that sent a command that *plays* something:
the last device to press play is the one the session plays on.
"""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.listening.values import QueueEntry, RepeatMode


@dataclass(frozen=True, kw_only=True)
class PlayNow:
    """Insert a track right after the current item and play it on ``device_id`` (the device takes over)."""

    session_id: str
    device_id: str
    entry: QueueEntry


@dataclass(frozen=True, kw_only=True)
class PlayNext:
    """Insert a track right after the current item (at the front when nothing plays)."""

    session_id: str
    entry: QueueEntry


@dataclass(frozen=True, kw_only=True)
class AddToQueue:
    """Append tracks to the end of the queue."""

    session_id: str
    entries: tuple[QueueEntry, ...]


@dataclass(frozen=True, kw_only=True)
class RemoveFromQueue:
    """Take an item out of the queue; removing the current item skips to the next one."""

    session_id: str
    item_id: str


@dataclass(frozen=True, kw_only=True)
class MoveInQueue:
    """Move an item to just after ``after_item_id``, or to the front when ``None``."""

    session_id: str
    item_id: str
    after_item_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class ClearQueue:
    """Empty the queue except for the item playing now."""

    session_id: str


@dataclass(frozen=True, kw_only=True)
class PlayCollection:
    """Replace the queue with ``entries`` (a playlist, a search result) and play ``entries[start_index]``.

    ``source`` says where the entries came from (``playlist:<id>``, ``search``), for the history.
    With shuffle on, the other entries follow in an order drawn from ``seed``.
    """

    session_id: str
    device_id: str
    entries: tuple[QueueEntry, ...]
    start_index: int
    seed: int
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class SkipToNext:
    """Go to the next item (wrapping with repeat all; stopping at the end otherwise).

    Plays where the session plays now; ``device_id`` only matters when nothing plays.
    """

    session_id: str
    device_id: str


@dataclass(frozen=True, kw_only=True)
class SkipToPrevious:
    """Restart the current item if more than 3 s of it played, else go to the previous one.

    Plays where the session plays now; ``device_id`` only matters when nothing plays.
    """

    session_id: str
    device_id: str


@dataclass(frozen=True, kw_only=True)
class JumpTo:
    """Play the named queue item now (where the session plays; on ``device_id`` when nothing plays)."""

    session_id: str
    device_id: str
    item_id: str


@dataclass(frozen=True, kw_only=True)
class ReportPosition:
    """The playing device says where it is in ``item_id`` (periodically, and after a seek)."""

    session_id: str
    device_id: str
    item_id: str
    position_ms: int


@dataclass(frozen=True, kw_only=True)
class ReportEnded:
    """The playing device reached the end of ``item_id``: play what comes next."""

    session_id: str
    device_id: str
    item_id: str


@dataclass(frozen=True, kw_only=True)
class Pause:
    """Pause at ``position_ms`` (only the device playing may pause; others are superseded)."""

    session_id: str
    device_id: str
    position_ms: int


@dataclass(frozen=True, kw_only=True)
class Resume:
    """Play on ``device_id`` from where the session is now: the last device to press play takes over."""

    session_id: str
    device_id: str


@dataclass(frozen=True, kw_only=True)
class SwitchRendition:
    """Go on playing ``item_id`` from a render (``asset_key``) or the original (``None``) at the same moment.

    ``position_ms`` is where the device is in what it plays now; ``tempo``, ``duration_ms`` and ``track_id``
    describe the render switched to, as resolved at the edge from the renders read model. The decider checks
    that the render is of the track playing now: the edge cannot, because the session's read model may not
    show a play the caller started a moment ago. For the original (tempo 1), the decider takes the length
    from the queue and ``duration_ms`` may be 0; ``track_id`` is None in commands from before v5.
    """

    session_id: str
    device_id: str
    item_id: str
    asset_key: str | None
    tempo: float
    duration_ms: int
    position_ms: int
    track_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SetShuffle:
    """Turn shuffle on (the upcoming items in an order drawn from ``seed``) or off (their original order)."""

    session_id: str
    enabled: bool
    seed: int = 0


@dataclass(frozen=True, kw_only=True)
class SetRepeat:
    """Choose what happens when a track ends."""

    session_id: str
    mode: RepeatMode


ListeningCommand = (
    PlayNow
    | PlayNext
    | AddToQueue
    | RemoveFromQueue
    | MoveInQueue
    | ClearQueue
    | PlayCollection
    | SkipToNext
    | SkipToPrevious
    | JumpTo
    | ReportPosition
    | ReportEnded
    | Pause
    | Resume
    | SwitchRendition
    | SetShuffle
    | SetRepeat
)
COMMAND_TYPES: tuple[type[object], ...] = (
    PlayNow,
    PlayNext,
    AddToQueue,
    RemoveFromQueue,
    MoveInQueue,
    ClearQueue,
    PlayCollection,
    SkipToNext,
    SkipToPrevious,
    JumpTo,
    ReportPosition,
    ReportEnded,
    Pause,
    Resume,
    SwitchRendition,
    SetShuffle,
    SetRepeat,
)
