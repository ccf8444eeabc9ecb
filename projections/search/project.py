"""Project track events onto the search index: a pure function of (current document, event).

The index applies each change with the event's stream version as its external version, so a
redelivered or replayed event is stale and changes nothing. A metadata correction carries only the
metadata, so the projection folds it into the document the index already holds (the projector reads
it back, batch-local changes first). Cover changes do not touch search. Only *public* tracks are
public in the index; private and unlisted ones are found by their uploader alone.
"""

from __future__ import annotations

from dataclasses import replace

from tuneton.catalog_values import IndexChange, SearchDocument, SearchRemoval
from tuneton.domain.readmodel import EventMeta
from tuneton.domain.track import events as e
from tuneton.domain.track.values import TrackMetadata, Visibility

NAME = "search"
TOPICS = ("tuneton.track.events",)


def project(current: SearchDocument | None, event: e.TrackEvent, meta: EventMeta) -> IndexChange | None:
    """The index change for one track event, or None when search does not change."""
    match event:
        case e.TrackIngested():
            document = SearchDocument(
                track_id=meta.aggregate_id,
                version=meta.aggregate_version,
                title="",
                owner_id=event.owner_id,
                public=event.visibility is Visibility.PUBLIC,
                duration_ms=event.audio.duration_ms,
            )
            return _with_metadata(document, event.metadata, meta.aggregate_version)
        case e.MetadataCorrected():
            return None if current is None else _with_metadata(current, event.metadata, meta.aggregate_version)
        case e.CoverReplaced():
            return None
        case e.TrackRemoved():
            return SearchRemoval(track_id=meta.aggregate_id, version=meta.aggregate_version)
        case _:
            raise TypeError(f"unknown track event {type(event).__name__}")


def _with_metadata(document: SearchDocument, metadata: TrackMetadata, version: int) -> SearchDocument:
    return replace(
        document,
        version=version,
        title=metadata.title,
        artists=metadata.artists,
        album=metadata.album,
        genre=metadata.genre,
        year=metadata.year,
    )
