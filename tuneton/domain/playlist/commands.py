"""Commands about playlists, named in the imperative. The actor travels in the CommandContext."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Visibility(StrEnum):
    """Who may read a playlist: its owner only, anyone with the link, or listed publicly."""

    PRIVATE = "private"
    UNLISTED = "unlisted"
    PUBLIC = "public"


@dataclass(frozen=True, kw_only=True)
class CreatePlaylist:
    """Start a new playlist owned by the actor."""

    playlist_id: str
    name: str
    description: str = ""
    visibility: Visibility = Visibility.PRIVATE


@dataclass(frozen=True, kw_only=True)
class RenamePlaylist:
    """Give the playlist a new name."""

    playlist_id: str
    name: str


@dataclass(frozen=True, kw_only=True)
class DescribePlaylist:
    """Replace the playlist's description (empty clears it)."""

    playlist_id: str
    description: str


@dataclass(frozen=True, kw_only=True)
class DeletePlaylist:
    """Delete the playlist; later commands on it are rejected."""

    playlist_id: str


@dataclass(frozen=True, kw_only=True)
class AddTrack:
    """Put a track into the playlist as a new item, after ``after_item_id`` or at the end when ``None``.

    ``item_id`` is chosen at the edge (derived from the command id) so a retried command names the
    same item.
    """

    playlist_id: str
    item_id: str
    track_id: str
    after_item_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class RemoveItem:
    """Take one item out of the playlist."""

    playlist_id: str
    item_id: str


@dataclass(frozen=True, kw_only=True)
class MoveItem:
    """Move an item to just after ``after_item_id``, or to the top when ``None``."""

    playlist_id: str
    item_id: str
    after_item_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class SetVisibility:
    """Change who may read the playlist."""

    playlist_id: str
    visibility: Visibility


PlaylistCommand = (
    CreatePlaylist
    | RenamePlaylist
    | DescribePlaylist
    | DeletePlaylist
    | AddTrack
    | RemoveItem
    | MoveItem
    | SetVisibility
)
