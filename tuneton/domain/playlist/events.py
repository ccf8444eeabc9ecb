"""Facts recorded about playlists, named in the past tense. Id, version and time live in the envelope."""

from __future__ import annotations

from dataclasses import dataclass

from tuneton.domain.playlist.commands import Visibility


@dataclass(frozen=True, kw_only=True)
class PlaylistCreated:
    """A playlist came into being."""

    owner_id: str
    name: str
    description: str
    visibility: Visibility


@dataclass(frozen=True, kw_only=True)
class PlaylistRenamed:
    """The playlist's name changed."""

    name: str


@dataclass(frozen=True, kw_only=True)
class PlaylistDescribed:
    """The playlist's description changed."""

    description: str


@dataclass(frozen=True, kw_only=True)
class PlaylistDeleted:
    """The playlist was deleted by its owner."""


@dataclass(frozen=True, kw_only=True)
class TrackAdded:
    """A track became an item of the playlist at order key ``rank``."""

    item_id: str
    track_id: str
    rank: str


@dataclass(frozen=True, kw_only=True)
class ItemRemoved:
    """An item left the playlist."""

    item_id: str


@dataclass(frozen=True, kw_only=True)
class ItemMoved:
    """An item now sorts at order key ``rank``."""

    item_id: str
    rank: str


@dataclass(frozen=True, kw_only=True)
class VisibilityChanged:
    """Who may read the playlist changed."""

    visibility: Visibility


PlaylistEvent = (
    PlaylistCreated
    | PlaylistRenamed
    | PlaylistDescribed
    | PlaylistDeleted
    | TrackAdded
    | ItemRemoved
    | ItemMoved
    | VisibilityChanged
)
