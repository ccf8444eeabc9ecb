"""How many streams a listener has open: the pure counting behind ``max_streams_per_user``.

A *stream* is one playback: a (user, asset) pair, the asset being a track (``/v1/tracks/{id}/``) or
a render (``/v1/renders/{asset_key}/files/``) — the same prefixes a media URL is signed for. Every
audio body of that asset counts towards the same stream, so a browser's several Range requests, the
init section and each HLS segment of one playback hold one slot, never several.

A stream is *active* while one of its bodies is in flight, and for ``linger_s`` after the last one
ended (a lease). The lease is what makes HLS count: a player fetches a 4-s segment in milliseconds
and then nothing until the next one, so in-flight bodies alone would almost never see it. It also
keeps a playback's slot across the gaps between the range requests of a progressive player, so the
next range of a playing track is never refused because somebody else took its slot meanwhile.
A paused playback frees its slot ``linger_s`` after its last fetch.

Opening a body of an active stream always succeeds; a body of a new stream is refused when the user
already has ``limit`` active streams. Anonymous bodies and ``limit == 0`` are not counted.
The clock is passed in, so the tests drive time without sleeping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class TooManyStreams(Exception):
    """A new stream for a user who already has ``limit`` active ones (HTTP 429)."""

    def __init__(self, *, limit: int, active: int, retry_after_s: int) -> None:
        super().__init__(f"{active} streams are playing for this user; the limit is {limit}")
        self.limit, self.active, self.retry_after_s = limit, active, retry_after_s


@dataclass
class _Stream:
    bodies: int = 0  # bodies in flight
    ended_at: float = 0.0  # when the last body ended (meaningful when bodies == 0)

    def active(self, now: float, linger_s: float) -> bool:
        return self.bodies > 0 or now < self.ended_at + linger_s


class Slot:
    """One admitted body; :meth:`close` it when the body has been sent, cut off or abandoned."""

    def __init__(self, gate: StreamGate | None = None, user: str = "", stream: str = "") -> None:
        self._gate, self._user, self._stream = gate, user, stream

    def close(self) -> None:
        """End this body (idempotent): the stream's lease runs from now."""
        if self._gate is not None:
            self._gate.body_ended(self._user, self._stream)
            self._gate = None


class StreamGate:
    """Admits audio bodies per (user, stream) and refuses a user's stream beyond ``limit``."""

    def __init__(self, *, limit: int, linger_s: float, clock: Callable[[], float]) -> None:
        if limit < 0 or linger_s < 0:
            msg = "limit and linger_s must be >= 0"
            raise ValueError(msg)
        self._limit, self._linger_s, self._clock = limit, linger_s, clock
        self._users: dict[str, dict[str, _Stream]] = {}
        self._swept_at = clock()

    def open(self, user: str | None, stream: str) -> Slot:
        """Admit one body of ``stream`` for ``user``; raises :class:`TooManyStreams` over the limit."""
        if user is None or self._limit == 0:
            return Slot()
        now = self._clock()
        self._sweep(now)
        streams = self._active(user, now)
        if stream not in streams and len(streams) >= self._limit:
            raise TooManyStreams(limit=self._limit, active=len(streams), retry_after_s=self._retry_after(streams, now))
        streams.setdefault(stream, _Stream()).bodies += 1
        self._users[user] = streams
        return Slot(self, user, stream)

    def active(self, user: str) -> int:
        """How many streams ``user`` has active now."""
        return len(self._active(user, self._clock()))

    def tracked_users(self) -> int:
        """How many users the gate keeps state for (bounded by those with recent streams)."""
        return len(self._users)

    def body_ended(self, user: str, stream: str) -> None:
        """A body of ``stream`` ended (called by :meth:`Slot.close`)."""
        state = self._users.get(user, {}).get(stream)
        if state is not None and state.bodies > 0:
            state.bodies -= 1
            state.ended_at = self._clock()

    def _active(self, user: str, now: float) -> dict[str, _Stream]:
        """The user's active streams; the inactive ones are dropped (and the user, once none is left)."""
        streams = {key: s for key, s in self._users.get(user, {}).items() if s.active(now, self._linger_s)}
        if streams:
            self._users[user] = streams
        else:
            self._users.pop(user, None)
        return streams

    def _retry_after(self, streams: dict[str, _Stream], now: float) -> int:
        """Seconds until the first slot frees at the earliest: a lingering lease's end, else one linger."""
        idle = [s.ended_at + self._linger_s - now for s in streams.values() if s.bodies == 0]
        return max(1, math.ceil(min(idle) if idle else self._linger_s))

    def _sweep(self, now: float) -> None:
        """Forget users whose streams all ended, at most once per linger period (bounded memory)."""
        if now < self._swept_at + max(self._linger_s, 1.0):
            return
        self._swept_at = now
        for user in list(self._users):
            self._active(user, now)
