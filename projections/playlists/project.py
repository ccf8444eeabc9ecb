"""Project playlist events onto the ``playlists`` and ``playlist_items`` tables.

Every event also stamps the playlist row with the stream version it now reflects, which the query
side compares with a consistency token.
"""

from __future__ import annotations

from pathlib import Path

from tuneton.domain.playlist import events as e
from tuneton.domain.readmodel import Delete, EventMeta, RowOp, Update, Upsert

NAME = "playlists"
TOPICS = ("tuneton.playlist.events",)
TABLES = ("playlist_items", "playlists")
SCHEMA = Path(__file__).with_name("schema.sql")


def project(event: e.PlaylistEvent, meta: EventMeta) -> list[RowOp]:
    """Row operations for one playlist event."""
    key = {"playlist_id": meta.aggregate_id}
    at = _millis(meta)
    touch = Update(table="playlists", key=key, values={"version": meta.aggregate_version, "updated_at": at})
    match event:
        case e.PlaylistCreated():
            row = {
                "owner_id": event.owner_id,
                "name": event.name,
                "description": event.description,
                "visibility": event.visibility.value,
                "version": meta.aggregate_version,
                "created_at": at,
                "updated_at": at,
            }
            return [Upsert(table="playlists", key=key, values=row)]
        case e.PlaylistRenamed():
            return [Update(table="playlists", key=key, values={"name": event.name}), touch]
        case e.PlaylistDescribed():
            return [Update(table="playlists", key=key, values={"description": event.description}), touch]
        case e.VisibilityChanged():
            return [Update(table="playlists", key=key, values={"visibility": event.visibility.value}), touch]
        case e.PlaylistDeleted():
            return [Delete(table="playlist_items", key=key), Delete(table="playlists", key=key)]
        case e.TrackAdded():
            item = {"track_id": event.track_id, "rank": event.rank, "added_at": at, "added_by": meta.actor_id}
            return [Upsert(table="playlist_items", key={**key, "item_id": event.item_id}, values=item), touch]
        case e.ItemRemoved():
            return [Delete(table="playlist_items", key={**key, "item_id": event.item_id}), touch]
        case e.ItemMoved():
            item_key = {**key, "item_id": event.item_id}
            return [Update(table="playlist_items", key=item_key, values={"rank": event.rank}), touch]
        case _:
            raise TypeError(f"unknown playlist event {type(event).__name__}")


def _millis(meta: EventMeta) -> int:
    return int(meta.occurred_at.timestamp() * 1000)
