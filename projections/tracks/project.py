"""Project track events onto the ``tracks``, ``track_artists`` and ``track_analysis`` tables.

Browse keys (``album_key``, ``artist_key``) and the title ``sort_key`` use the same normalisation as
the search filters (:mod:`tuneton.media.search_text`, pure Python), so "ac/dc" browses "AC/DC" exactly
as it filters a search. A removed track's rows are deleted; re-registering it inserts them again.
``track_analysis`` has a row only for analysed tracks (see schema.sql for why it is a table of its own).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from tuneton.domain.readmodel import Delete, EventMeta, RowOp, Update, Upsert
from tuneton.domain.track import events as e
from tuneton.domain.track.values import CoverRef, TrackAnalysis, TrackMetadata
from tuneton.media.search_text import filter_key, sort_key

NAME = "tracks"
TOPICS = ("tuneton.track.events",)
TABLES = ("track_artists", "track_analysis", "tracks")
SCHEMA = Path(__file__).with_name("schema.sql")


def project(event: e.TrackEvent, meta: EventMeta) -> list[RowOp]:
    """Row operations for one track event."""
    key = {"track_id": meta.aggregate_id}
    at = _millis(meta)
    touch = {"version": meta.aggregate_version, "updated_at": at}
    match event:
        case e.TrackIngested():
            row = {**_ingested(event), **_metadata(event.metadata), **touch, "created_at": at}
            artists = _artists(meta.aggregate_id, event.metadata)
            return [Upsert(table="tracks", key=key, values=row), *artists, _analysis(key, event.analysis)]
        case e.MetadataCorrected():
            update = Update(table="tracks", key=key, values={**_metadata(event.metadata), **touch})
            return [update, *_artists(meta.aggregate_id, event.metadata)]
        case e.CoverReplaced():
            values = {"covers_json": _covers(event.covers), "cover_source": event.cover_source, **touch}
            return [Update(table="tracks", key=key, values=values)]
        case e.TrackRemoved():
            return [Delete(table=table, key=key) for table in TABLES]
        case _:
            raise TypeError(f"unknown track event {type(event).__name__}")


def _ingested(event: e.TrackIngested) -> dict[str, Any]:
    audio = event.audio
    return {
        "owner_id": event.owner_id,
        "visibility": event.visibility.value,
        "content_sha256": event.content_sha256,
        "container": audio.container,
        "codec": audio.codec,
        "duration_ms": audio.duration_ms,
        "sample_rate": audio.sample_rate,
        "channels": audio.channels,
        "bitrate": audio.bitrate,
        "original_json": _json(dataclasses.asdict(event.original)),
        "renditions_json": _json([dataclasses.asdict(r) for r in event.renditions]),
        "covers_json": _covers(event.covers),
        "cover_source": event.cover_source,
    }


def _metadata(metadata: TrackMetadata) -> dict[str, Any]:
    fields = dataclasses.asdict(metadata)
    artists = fields.pop("artists")
    return {
        **fields,
        "artists_json": _json(list(artists)),
        "album_key": filter_key(metadata.album) or None if metadata.album else None,
        "sort_key": sort_key(metadata.title),
    }


def _artists(track_id: str, metadata: TrackMetadata) -> list[RowOp]:
    """Replace the track's artist credits (delete, then one row per artist in credit order)."""
    key = {"track_id": track_id}
    credits: list[RowOp] = [Delete(table="track_artists", key=key)]
    for ordinal, artist in enumerate(metadata.artists):
        values = {"artist": artist, "artist_key": filter_key(artist)}
        credits.append(Upsert(table="track_artists", key={**key, "ordinal": ordinal}, values=values))
    return credits


def _analysis(key: dict[str, str], analysis: TrackAnalysis | None) -> RowOp:
    """The track's analysis row, or its absence (a re-registered track may come without one)."""
    if analysis is None:
        return Delete(table="track_analysis", key=key)
    return Upsert(table="track_analysis", key=key, values=dataclasses.asdict(analysis))


def _covers(covers: tuple[CoverRef, ...]) -> str:
    return _json([dataclasses.asdict(cover) for cover in covers])


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _millis(meta: EventMeta) -> int:
    return int(meta.occurred_at.timestamp() * 1000)
