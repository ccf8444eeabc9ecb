""" "What plays next" with what a client needs to preload it, so the switch to the next track is gapless.

The next item is chosen by the session's own rule (``tuneton.domain.listening.playback.up_next``) on a
session folded from the read model, so the query can never disagree with what the decider will start.
The hint names the streaming rendition (AAC-LC in faststart M4A: the header comes first, so the first
bytes decode on their own) and a first byte range worth ``FIRST_CHUNK_S`` of audio, estimated from the
file's size and duration plus ``HEADER_MARGIN`` for the header and the bitrate's variation.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel, Field

from query_api.track_views import audio_url, readable
from tuneton.domain.listening.playback import up_next
from tuneton.domain.listening.state import NowPlaying, Session
from tuneton.domain.listening.values import QueuedItem, RepeatMode

FIRST_CHUNK_S = 10.0
HEADER_MARGIN = 64 * 1024


class PrefetchPublic(BaseModel):
    """Where to preload the next track from, and how much."""

    url: str
    mime_type: str
    size_bytes: int
    range: str = Field(description="HTTP Range of the first chunk, e.g. bytes=0-262143: enough to start playing.")
    first_chunk_s: float = Field(description="Seconds of audio the range holds (an estimate).")
    duration_ms: int


class NextItemPublic(BaseModel):
    """The item that plays when the current one ends."""

    item_id: str
    track_id: str
    duration_ms: int
    available: bool = Field(description="False when the track was removed or made private: it will be skipped.")
    prefetch: PrefetchPublic | None


class UpNextPublic(BaseModel):
    """What plays next (``next`` is null when the queue ends there)."""

    current_item_id: str | None
    repeat: RepeatMode
    next: NextItemPublic | None


def session_state(row: dict[str, Any] | None, queue: list[dict[str, Any]]) -> Session:
    """The session as the decider sees it, folded back from its read-model rows."""
    items = tuple(
        QueuedItem(item_id=r["item_id"], track_id=r["track_id"], duration_ms=int(r["duration_ms"]), rank=r["rank"])
        for r in queue
    )
    if row is None:
        return Session(queue=items)
    now = None
    if row["item_id"] is not None and any(i.item_id == row["item_id"] for i in items):
        now = NowPlaying(
            play_no=int(row["play_no"]), item_id=row["item_id"], track_id=row["track_id"],
            duration_ms=int(row["duration_ms"]), device_id=row["device_id"] or "", playing=bool(row["playing"]),
            position_ms=int(row["position_ms"]), at_ms=int(row["position_at"]), heard_ms=0,
        )  # fmt: skip
    return Session(queue=items, repeat=RepeatMode(row["repeat_mode"]), shuffle=bool(row["shuffle"]), now=now)


def up_next_view(session: Session, tracks: dict[str, dict[str, Any]], *, viewer: str) -> UpNextPublic:
    """The answer for ``session``, with a prefetch hint when the next track is playable by ``viewer``."""
    target = up_next(session)
    current = None if session.now is None else session.now.item_id
    if target is None:
        return UpNextPublic(current_item_id=current, repeat=session.repeat, next=None)
    row = tracks.get(target.track_id)
    available = readable(row, viewer)
    hint = prefetch(row) if available and row is not None else None
    following = NextItemPublic(item_id=target.item_id, track_id=target.track_id, duration_ms=target.duration_ms,
                               available=available, prefetch=hint)  # fmt: skip
    return UpNextPublic(current_item_id=current, repeat=session.repeat, next=following)


def prefetch(row: dict[str, Any]) -> PrefetchPublic:
    """The preload hint for a track row: its streaming rendition (or the original), first chunk."""
    renditions = {r["name"]: r for r in json.loads(row["renditions_json"])}
    name, blob = (
        ("stream", renditions["stream"]["blob"])
        if "stream" in renditions
        else ("original", json.loads(row["original_json"]))
    )
    size, duration_ms = int(blob["size_bytes"]), int(row["duration_ms"])
    seconds = min(FIRST_CHUNK_S, duration_ms / 1000)
    share = 1.0 if duration_ms <= 0 else seconds * 1000 / duration_ms
    end = min(size, math.ceil(size * share) + HEADER_MARGIN) - 1
    return PrefetchPublic(
        url=audio_url(row["track_id"], name, blob["sha256"]), mime_type=blob["mime_type"], size_bytes=size,
        range=f"bytes=0-{max(0, end)}", first_chunk_s=round(seconds, 3), duration_ms=duration_ms,
    )  # fmt: skip
