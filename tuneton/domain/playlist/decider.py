"""Decide and evolve for the playlist aggregate: pure functions, no I/O.

A command that would change nothing (renaming to the same name, moving an item where it already is)
decides no events: it is accepted and the stream version stays put.
"""

from __future__ import annotations

import bisect
import operator
from dataclasses import dataclass, replace

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.playlist import commands as c
from tuneton.domain.playlist import events as e
from tuneton.domain.playlist.errors import (
    DuplicateItem,
    ItemNotFound,
    NotPlaylistOwner,
    PlaylistAlreadyExists,
    PlaylistFull,
    PlaylistNotFound,
)
from tuneton.domain.playlist.ordering import key_between
from tuneton.domain.text import clean_text

MAX_ITEMS = 10_000
MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_ID = 128
_ITEM_ID = operator.attrgetter("item_id")


@dataclass(frozen=True, kw_only=True)
class Item:
    """One entry of a playlist; the same track may appear as several items."""

    item_id: str
    track_id: str
    rank: str


@dataclass(frozen=True, kw_only=True)
class Playlist:
    """A playlist as folded from its events; ``items`` are kept sorted by rank."""

    owner_id: str
    name: str
    description: str
    visibility: c.Visibility
    items: tuple[Item, ...] = ()
    deleted: bool = False


def decide(state: Playlist | None, command: c.PlaylistCommand, ctx: CommandContext) -> list[e.PlaylistEvent]:
    """Return the events ``command`` causes, or raise a ``DomainError``."""
    if isinstance(command, c.CreatePlaylist):
        return _create(state, command, ctx)
    playlist = _owned(state, command.playlist_id, ctx)
    match command:
        case c.RenamePlaylist():
            name = clean_text(command.name, field="name", max_length=MAX_NAME)
            return [] if name == playlist.name else [e.PlaylistRenamed(name=name)]
        case c.DescribePlaylist():
            text = clean_text(command.description, field="description", max_length=MAX_DESCRIPTION, allow_empty=True)
            return [] if text == playlist.description else [e.PlaylistDescribed(description=text)]
        case c.DeletePlaylist():
            return [e.PlaylistDeleted()]
        case c.AddTrack():
            return [_add(playlist, command)]
        case c.RemoveItem():
            _index_of(playlist, command.item_id)
            return [e.ItemRemoved(item_id=command.item_id)]
        case c.MoveItem():
            return _move(playlist, command)
        case c.SetVisibility():
            visibility = _visibility(command.visibility)
            return [] if visibility == playlist.visibility else [e.VisibilityChanged(visibility=visibility)]


def evolve(state: Playlist | None, event: e.PlaylistEvent) -> Playlist:
    """Fold one event into the state."""
    if isinstance(event, e.PlaylistCreated):
        return Playlist(
            owner_id=event.owner_id, name=event.name, description=event.description, visibility=event.visibility
        )
    if state is None:
        raise TypeError(f"{type(event).__name__} before PlaylistCreated")
    match event:
        case e.PlaylistRenamed():
            return replace(state, name=event.name)
        case e.PlaylistDescribed():
            return replace(state, description=event.description)
        case e.PlaylistDeleted():
            return replace(state, deleted=True, items=())
        case e.TrackAdded():
            item = Item(item_id=event.item_id, track_id=event.track_id, rank=event.rank)
            return replace(state, items=_inserted(state.items, item))
        case e.ItemRemoved():
            return replace(state, items=tuple(i for i in state.items if i.item_id != event.item_id))
        case e.ItemMoved():
            moving = next((i for i in state.items if i.item_id == event.item_id), None)
            if moving is None:
                return state
            others = tuple(i for i in state.items if i.item_id != event.item_id)
            return replace(state, items=_inserted(others, replace(moving, rank=event.rank)))
        case e.VisibilityChanged():
            return replace(state, visibility=event.visibility)
        case _:
            raise TypeError(f"unknown playlist event {type(event).__name__}")


def _create(state: Playlist | None, command: c.CreatePlaylist, ctx: CommandContext) -> list[e.PlaylistEvent]:
    if state is not None:
        raise PlaylistAlreadyExists("playlist id already used", playlist_id=command.playlist_id)
    clean_text(command.playlist_id, field="playlist_id", max_length=MAX_ID)
    return [
        e.PlaylistCreated(
            owner_id=ctx.actor_id,
            name=clean_text(command.name, field="name", max_length=MAX_NAME),
            description=clean_text(
                command.description, field="description", max_length=MAX_DESCRIPTION, allow_empty=True
            ),
            visibility=_visibility(command.visibility),
        )
    ]


def _owned(state: Playlist | None, playlist_id: str, ctx: CommandContext) -> Playlist:
    if state is None or state.deleted:
        raise PlaylistNotFound("no such playlist", playlist_id=playlist_id)
    if state.owner_id != ctx.actor_id:
        raise NotPlaylistOwner("only the owner may change this playlist", playlist_id=playlist_id)
    return state


def _add(playlist: Playlist, command: c.AddTrack) -> e.PlaylistEvent:
    if len(playlist.items) >= MAX_ITEMS:
        raise PlaylistFull(f"a playlist holds at most {MAX_ITEMS} items", max_items=MAX_ITEMS)
    if command.item_id in map(_ITEM_ID, playlist.items):  # C-level scan: a playlist holds up to 10,000
        raise DuplicateItem("item id already used in this playlist", item_id=command.item_id)
    clean_text(command.track_id, field="track_id", max_length=MAX_ID)
    if command.after_item_id is None:
        lower = playlist.items[-1].rank if playlist.items else None
        return e.TrackAdded(item_id=command.item_id, track_id=command.track_id, rank=key_between(lower, None))
    rank = _rank_after(playlist.items, command.after_item_id)
    return e.TrackAdded(item_id=command.item_id, track_id=command.track_id, rank=rank)


def _move(playlist: Playlist, command: c.MoveItem) -> list[e.PlaylistEvent]:
    index = _index_of(playlist, command.item_id)
    others = playlist.items[:index] + playlist.items[index + 1 :]
    if command.after_item_id is None:
        if index == 0:
            return []
        rank = key_between(None, others[0].rank)
    else:
        if command.after_item_id == command.item_id:
            return []
        if index > 0 and playlist.items[index - 1].item_id == command.after_item_id:
            return []
        rank = _rank_after(others, command.after_item_id)
    return [e.ItemMoved(item_id=command.item_id, rank=rank)]


def _rank_after(items: tuple[Item, ...], after_item_id: str) -> str:
    position = next((n for n, i in enumerate(items) if i.item_id == after_item_id), None)
    if position is None:
        raise ItemNotFound("the item to insert after is not in the playlist", item_id=after_item_id)
    upper = items[position + 1].rank if position + 1 < len(items) else None
    return key_between(items[position].rank, upper)


def _index_of(playlist: Playlist, item_id: str) -> int:
    for n, item in enumerate(playlist.items):
        if item.item_id == item_id:
            return n
    raise ItemNotFound("no such item in this playlist", item_id=item_id)


def _visibility(value: str) -> c.Visibility:
    try:
        return c.Visibility(value)
    except ValueError:
        raise InvalidValue(f"visibility must be one of {[v.value for v in c.Visibility]}", field="visibility") from None


def _inserted(items: tuple[Item, ...], item: Item) -> tuple[Item, ...]:
    """``items`` with ``item`` placed by (rank, item_id): a binary search, not a re-sort of the list."""
    at = bisect.bisect_left(items, (item.rank, item.item_id), key=lambda i: (i.rank, i.item_id))
    return (*items[:at], item, *items[at:])
