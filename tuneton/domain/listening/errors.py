"""Rejections specific to the listening context."""

from __future__ import annotations

from tuneton.domain.errors import DomainError, NotOwner, RejectionKind


class NotSessionOwner(NotOwner):
    """A session belongs to one listener: its id is the listener's user id."""

    reason = "not_session_owner"


class QueueItemNotFound(DomainError):
    """The item named by the command is not in the queue (any more)."""

    reason = "queue_item_not_found"
    kind = RejectionKind.CONFLICT


class RenderNotFound(DomainError):
    """The render named by a switch is not of the track playing now."""

    reason = "render_not_found"
    kind = RejectionKind.NOT_FOUND


class DuplicateQueueItem(DomainError):
    """An item id is already used in this queue (a retried command is answered from memory instead)."""

    reason = "duplicate_queue_item"
    kind = RejectionKind.CONFLICT


class QueueFull(DomainError):
    """The queue already holds the maximum number of items."""

    reason = "queue_full"
    kind = RejectionKind.INVALID


class NothingToPlay(DomainError):
    """Play, next or previous with an empty queue."""

    reason = "nothing_to_play"
    kind = RejectionKind.CONFLICT


class NotPlaying(DomainError):
    """A report (position, pause, end) names an item that is not the one playing now."""

    reason = "not_current_item"
    kind = RejectionKind.CONFLICT


class DeviceSuperseded(DomainError):
    """Another device pressed play since: this device's reports no longer move the session."""

    reason = "device_superseded"
    kind = RejectionKind.CONFLICT
