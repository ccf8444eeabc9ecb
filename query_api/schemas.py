"""HTTP contract of the query API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from tuneton.domain.playlist.commands import Visibility


def from_millis(value: int) -> datetime:
    """Read-model times are epoch milliseconds."""
    return datetime.fromtimestamp(value / 1000, UTC)


class PlaylistSummary(BaseModel):
    """A playlist in a listing."""

    playlist_id: str
    owner_id: str
    name: str
    description: str
    visibility: Visibility
    item_count: int
    version: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PlaylistSummary:
        """Map a reader row."""
        return cls(
            **{**row, "created_at": from_millis(row["created_at"]), "updated_at": from_millis(row["updated_at"])}
        )


class PlaylistsPublic(BaseModel):
    """A page of playlists."""

    data: list[PlaylistSummary]
    count: int


class PlaylistItemPublic(BaseModel):
    """One entry of a playlist, in order."""

    item_id: str
    track_id: str
    position: int = Field(description="0-based index in the playlist order.")
    added_at: datetime


class PlaylistPublic(PlaylistSummary):
    """A playlist with a page of its items, in order."""

    items: list[PlaylistItemPublic]


class UserPublic(BaseModel):
    """A listener's profile."""

    user_id: str
    display_name: str
    username: str | None
    language_code: str | None
    version: int
    registered_at: datetime
    updated_at: datetime


class Problem(BaseModel):
    """Error body."""

    detail: str
