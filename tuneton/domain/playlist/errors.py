"""Rejections specific to the playlist context."""

from __future__ import annotations

from tuneton.domain.errors import AggregateNotFound, AlreadyExists, DomainError, NotOwner, RejectionKind


class PlaylistNotFound(AggregateNotFound):
    """No playlist with this id exists (or it was deleted)."""

    reason = "playlist_not_found"


class PlaylistAlreadyExists(AlreadyExists):
    """A playlist with this id was already created."""

    reason = "playlist_exists"


class NotPlaylistOwner(NotOwner):
    """Only the owner may change a playlist."""

    reason = "not_playlist_owner"


class ItemNotFound(DomainError):
    """The item named by the command is not in the playlist."""

    reason = "item_not_found"
    kind = RejectionKind.CONFLICT


class DuplicateItem(DomainError):
    """An item id is already used in this playlist."""

    reason = "duplicate_item"
    kind = RejectionKind.CONFLICT


class NoRoomBetweenItems(DomainError):
    """The items around the asked place have order keys too long to fit another between them.

    Re-spacing them would touch more items than one command may (``decider.MAX_RESPACED``); 6,000
    adds and moves crowding three items (a decider test) never pack keys that closely.
    """

    reason = "no_room_between_items"
    kind = RejectionKind.CONFLICT


class PlaylistFull(DomainError):
    """The playlist already holds the maximum number of items."""

    reason = "playlist_full"
    kind = RejectionKind.INVALID
