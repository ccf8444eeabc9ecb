"""Rejections specific to the track context."""

from __future__ import annotations

from tuneton.domain.errors import AggregateNotFound, AlreadyExists, NotOwner


class TrackNotFound(AggregateNotFound):
    """No track with this id exists (or it was removed)."""

    reason = "track_not_found"


class TrackAlreadyExists(AlreadyExists):
    """The track id is already registered: the ingest edge reads this as "duplicate upload"."""

    reason = "track_exists"


class NotTrackOwner(NotOwner):
    """Only the uploader (or an admin) may change a track."""

    reason = "not_track_owner"
