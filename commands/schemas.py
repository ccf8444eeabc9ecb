"""HTTP contract of the command API: request bodies in, verdicts out."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tuneton.domain.listening.values import RepeatMode
from tuneton.domain.playlist.commands import Visibility


class CommandBody(BaseModel):
    """A command's request body: a field it does not know is refused (422 naming it), never ignored.

    Ignoring it would answer 2xx to a client's typo (``{"nmae": ...}``) while changing nothing.
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _unicode_text(cls, value: object) -> object:
        """Refuse lone surrogates: JSON can spell them (``"\\ud800"``) but UTF-8 cannot, so no event could."""
        texts = value if isinstance(value, list) else [value]
        for text in texts:
            if isinstance(text, str) and not text.isascii():
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    raise ValueError("text must be valid Unicode (no lone surrogates)") from None
        return value


class PlaylistCreate(CommandBody):
    """Body of ``POST /v1/playlists``."""

    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    visibility: Visibility = Visibility.PRIVATE


class PlaylistRename(CommandBody):
    """Body of ``PUT /v1/playlists/{id}/name``."""

    name: str = Field(min_length=1, max_length=200)


class PlaylistDescribe(CommandBody):
    """Body of ``PUT /v1/playlists/{id}/description``."""

    description: str = Field(max_length=2000)


class PlaylistVisibility(CommandBody):
    """Body of ``PUT /v1/playlists/{id}/visibility``."""

    visibility: Visibility


class ItemAdd(CommandBody):
    """Body of ``POST /v1/playlists/{id}/items``: append, or insert after ``after_item_id``."""

    track_id: str = Field(min_length=1, max_length=128)
    after_item_id: str | None = None


class ItemMove(CommandBody):
    """Body of ``POST /v1/playlists/{id}/items/{item_id}/move``: ``null`` moves to the top."""

    after_item_id: str | None


class ProfileUpsert(CommandBody):
    """Body of ``PUT /v1/users/me``: register or refresh the caller's profile."""

    display_name: str = Field(min_length=1, max_length=128)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)


class ProfilePatch(CommandBody):
    """Body of ``PATCH /v1/users/me``: fields left out keep their value."""

    display_name: str | None = Field(default=None, min_length=1, max_length=128)
    username: str | None = Field(default=None, max_length=64)
    language_code: str | None = Field(default=None, max_length=16)


class CommandAccepted(BaseModel):
    """The decider recorded the command (``events`` may be 0 for a no-op)."""

    command_id: str
    aggregate_id: str
    version: int = Field(description="Stream version after the command.")
    events: int = Field(description="Events this command appended.")
    consistency_token: str = Field(description="Pass to queries to read your own write.")
    item_id: str | None = Field(default=None, description="Id of the item an add-track command created.")


class Rejection(BaseModel):
    """Why the decider refused the command; nothing was recorded."""

    reason: str = Field(description="Stable machine-readable code, e.g. playlist_not_found.")
    kind: str = Field(description="invalid | conflict | forbidden | not_found")
    message: str
    details: dict[str, Any] = Field(default_factory=dict)
    command_id: str


class RetryLater(BaseModel):
    """The command could not be taken or decided in time (broker trouble); retry with the same key."""

    reason: str = Field(description="unavailable (the log did not take it) | timeout (taken, no verdict yet)")
    message: str
    command_id: str


class TrackUploaded(BaseModel):
    """Answer to ``POST /v1/tracks``: the new track (201) or the existing one with the same bytes (200)."""

    track_id: str
    duplicate: bool = Field(description="True when these bytes already were a track you can see.")
    title: str | None = None
    command_id: str | None = None
    version: int | None = Field(default=None, description="Stream version after the ingest (new tracks).")
    consistency_token: str | None = Field(default=None, description="Pass to queries to read the new track.")


class UploadRefused(BaseModel):
    """Why an upload was refused; nothing was stored or published."""

    reason: str = Field(description="Stable code: empty_file, truncated, not_audio, too_large, ... (docs/catalog.md)")
    message: str


class TrackMetadataPatch(CommandBody):
    """Body of ``PATCH /v1/tracks/{id}``: fields left out keep their value; ``clear`` empties fields."""

    title: str | None = Field(default=None, min_length=1, max_length=1024)
    artists: list[str] | None = Field(default=None, max_length=32)
    album: str | None = Field(default=None, max_length=1024)
    album_artist: str | None = Field(default=None, max_length=1024)
    track_number: int | None = Field(default=None, ge=1, le=9999)
    track_total: int | None = Field(default=None, ge=1, le=9999)
    disc_number: int | None = Field(default=None, ge=1, le=9999)
    disc_total: int | None = Field(default=None, ge=1, le=9999)
    year: int | None = Field(default=None, ge=1000, le=2100)
    genre: str | None = Field(default=None, max_length=1024)
    isrc: str | None = Field(default=None, max_length=32)
    clear: list[str] = Field(default_factory=list, description='Fields to empty, e.g. ["album", "year"].')


class DeviceBody(BaseModel):
    """Which player sends the command: the last device to press play is the one the session plays on."""

    device_id: str = Field(min_length=1, max_length=64, description="A stable id the player chose for itself.")


class QueueTrack(BaseModel):
    """Body of ``POST /v1/me/queue/play-next``: one track to insert after the current item."""

    track_id: str = Field(min_length=1, max_length=128)


class PlayTrack(DeviceBody, QueueTrack):
    """Body of ``POST /v1/me/queue/play-now``: play this track now, on this device."""


class QueueTracks(BaseModel):
    """Body of ``POST /v1/me/queue/items``: tracks to append to the queue, in order."""

    track_ids: list[str] = Field(min_length=1, max_length=1000)


class PlayCollectionBody(DeviceBody):
    """Body of ``POST /v1/me/queue/play``: a playlist, or the track ids of a search result, from ``index``."""

    playlist_id: str | None = Field(default=None, min_length=1, max_length=128)
    track_ids: list[str] | None = Field(default=None, min_length=1, max_length=1000)
    index: int = Field(default=0, ge=0, description="Which entry plays first (0-based).")
    source: str = Field(default="", max_length=128, description="Where the tracks come from (search, album ...).")


# Far beyond any track (about 31 years), and small enough that no arithmetic on a position (a render's
# tempo mapping) leaves the 64-bit integers of Avro and SQL: 2^63 here was a 500 (an OverflowError
# encoding the event), found by fuzzing.
MAX_POSITION_MS = 10**12


class PositionBody(DeviceBody):
    """Body of ``POST /v1/me/session/position``: where the playing device is (every few seconds, after a seek)."""

    item_id: str = Field(min_length=1, max_length=128)
    position_ms: int = Field(ge=0, le=MAX_POSITION_MS)


class EndedBody(DeviceBody):
    """Body of ``POST /v1/me/session/ended``: the playing device reached the end of ``item_id``."""

    item_id: str = Field(min_length=1, max_length=128)


class PauseBody(DeviceBody):
    """Body of ``POST /v1/me/session/pause``."""

    position_ms: int = Field(ge=0, le=MAX_POSITION_MS)


class RenditionBody(DeviceBody):
    """Body of ``POST /v1/me/session/rendition``: go on from a render (or the original) at the same moment."""

    item_id: str = Field(min_length=1, max_length=128, description="The item playing now.")
    asset_key: str | None = Field(
        min_length=64, max_length=64, description="A render of its track; null: the original."
    )
    position_ms: int = Field(ge=0, le=MAX_POSITION_MS, description="Where the device is in what it plays now.")


class ShuffleBody(BaseModel):
    """Body of ``PUT /v1/me/session/shuffle``."""

    enabled: bool


class RepeatBody(BaseModel):
    """Body of ``PUT /v1/me/session/repeat``."""

    mode: RepeatMode


class QueueAccepted(CommandAccepted):
    """A queue command was recorded; ``item_ids`` name the queue items it created, in order."""

    item_ids: list[str] = Field(default_factory=list)
