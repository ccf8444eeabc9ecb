"""Decide and evolve for the playlist aggregate: pure functions, no I/O.

A command that would change nothing (renaming to the same name, moving an item where it already is)
decides no events: it is accepted and the stream version stays put.

Order keys stay at most ``MAX_RANK`` characters. A key between two neighbours is a character longer
about every six inserts into one gap, so adding track after track "after the same item" lengthened
them without end (10,000 such adds averaged 836 characters). Every key rides in the aggregate's
snapshot, which the Kafka worker writes as one changelog record per batch, so a long playlist's keys
alone outgrew the record limit (docs/kafka.md). When a place's key would be longer, the command also
re-spaces the items around it: ``ItemMoved`` events that give the nearest neighbours evenly spread,
short keys (at most ``MAX_RESPACED`` items, the nearest first).
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
    NoRoomBetweenItems,
    NotPlaylistOwner,
    PlaylistAlreadyExists,
    PlaylistFull,
    PlaylistNotFound,
)
from tuneton.domain.playlist.ordering import key_between, keys_between
from tuneton.domain.text import clean_text

MAX_ITEMS = 10_000
MAX_NAME = 200
MAX_DESCRIPTION = 2_000
MAX_ID = 128
MAX_RANK = 32  # characters of an order key; a longer one re-spaces its neighbours (module doc)
RESPACED_RANK = 16  # re-spacing widens until its keys are this short (or it spans MAX_RESPACED items)
MAX_RESPACED = 512  # items one command may re-space: its events, and the work of folding them
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
            return _add(playlist, command)
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


def _add(playlist: Playlist, command: c.AddTrack) -> list[e.PlaylistEvent]:
    if len(playlist.items) >= MAX_ITEMS:
        raise PlaylistFull(f"a playlist holds at most {MAX_ITEMS} items", max_items=MAX_ITEMS)
    if command.item_id in map(_ITEM_ID, playlist.items):  # C-level scan: a playlist holds up to 10,000
        raise DuplicateItem("item id already used in this playlist", item_id=command.item_id)
    clean_text(command.track_id, field="track_id", max_length=MAX_ID)
    if len(command.item_id) > MAX_ID:  # chosen by the edge, but it rides in every snapshot: bounded too
        raise InvalidValue(f"item_id is longer than {MAX_ID} characters", field="item_id", max=MAX_ID)
    at = len(playlist.items) if command.after_item_id is None else _position(playlist.items, command.after_item_id) + 1
    (_, rank), *respaced = _ranks_at(playlist.items, at, command.item_id)
    return [e.TrackAdded(item_id=command.item_id, track_id=command.track_id, rank=rank), *_moves(respaced)]


def _move(playlist: Playlist, command: c.MoveItem) -> list[e.PlaylistEvent]:
    index = _index_of(playlist, command.item_id)
    others = playlist.items[:index] + playlist.items[index + 1 :]
    if command.after_item_id is None:
        if index == 0:
            return []
        at = 0
    else:
        if command.after_item_id == command.item_id:
            return []
        if index > 0 and playlist.items[index - 1].item_id == command.after_item_id:
            return []
        at = _position(others, command.after_item_id) + 1
    return _moves(_ranks_at(others, at, command.item_id))


def _position(items: tuple[Item, ...], after_item_id: str) -> int:
    position = next((n for n, i in enumerate(items) if i.item_id == after_item_id), None)
    if position is None:
        raise ItemNotFound("the item to insert after is not in the playlist", item_id=after_item_id)
    return position


def _ranks_at(items: tuple[Item, ...], at: int, item_id: str) -> list[tuple[str, str]]:
    """``(item id, rank)`` placing ``item_id`` before ``items[at]``, then those of any neighbour it re-spaces.

    The window of re-spaced neighbours doubles until its keys are at most ``RESPACED_RANK`` long, so
    the next ~100 inserts around here fit again; it stops at the whole playlist or ``MAX_RESPACED``
    items. Only a window whose bounds share a ``MAX_RANK``-long prefix can fail to find keys that
    short (the crowding test of ``tests/unit/test_playlist_decider.py`` meets none): then the place
    is refused, and others still fit.
    """
    rank = key_between(_rank(items, at - 1), _rank(items, at))
    if len(rank) <= MAX_RANK:
        return [(item_id, rank)]
    reach = 1
    while True:
        start, stop = max(at - reach, 0), min(at + reach, len(items))
        window = [*items[start:at], None, *items[at:stop]]  # None: the item being placed
        keys = keys_between(_rank(items, start - 1), _rank(items, stop), len(window))
        longest = max(map(len, keys))
        if longest <= RESPACED_RANK or stop - start == len(items) or len(window) >= MAX_RESPACED:
            break
        reach *= 2
    if longest > MAX_RANK:
        raise NoRoomBetweenItems("the items around this place are packed too closely; pick another place")
    own = [(item_id, keys[at - start])]
    return own + [(i.item_id, k) for i, k in zip(window, keys, strict=True) if i is not None and i.rank != k]


def _rank(items: tuple[Item, ...], index: int) -> str | None:
    """The rank at ``index``; ``None`` past either end (an open bound)."""
    return items[index].rank if 0 <= index < len(items) else None


def _moves(ranks: list[tuple[str, str]]) -> list[e.PlaylistEvent]:
    return [e.ItemMoved(item_id=item_id, rank=rank) for item_id, rank in ranks]


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
