"""The track projections: rows for the tracks read model, changes for the search index."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from projections.search import project as search
from projections.tracks import project as tracks
from tests.unit.test_track_decider import ANALYSIS, AUDIO, COVER, INGESTED, METADATA, NEW_COVER, ORIGINAL, STREAM
from tuneton.catalog_values import SearchDocument, SearchRemoval
from tuneton.domain.readmodel import Delete, EventMeta, Update, Upsert
from tuneton.domain.track import events as e
from tuneton.domain.track.values import TrackMetadata, Visibility

AT = datetime(2025, 5, 6, 7, 8, 9, tzinfo=UTC)
MILLIS = int(AT.timestamp() * 1000)


def meta(version: int) -> EventMeta:
    return EventMeta(aggregate_id="t1", aggregate_version=version, occurred_at=AT, actor_id="owner-1")


def test_ingest_upserts_the_row_and_the_artist_credits() -> None:
    ops = tracks.project(INGESTED, meta(1))
    row = ops[0]
    assert isinstance(row, Upsert)
    assert row.key == {"track_id": "t1"}
    values = dict(row.values)
    assert json.loads(values.pop("original_json")) == {
        "key": ORIGINAL.key,
        "sha256": ORIGINAL.sha256,
        "size_bytes": 1000,
        "mime_type": "audio/mpeg",
    }
    assert json.loads(values.pop("renditions_json"))[0]["blob"]["key"] == STREAM.blob.key
    assert json.loads(values.pop("covers_json")) == [
        {"size": 96, "format": "jpeg", "blob": {**COVER.blob.__dict__}},
    ]
    assert values == {
        "owner_id": "owner-1",
        "visibility": "public",
        "content_sha256": ORIGINAL.sha256,
        "container": "mp3",
        "codec": "mp3",
        "duration_ms": AUDIO.duration_ms,
        "sample_rate": 44100,
        "channels": 2,
        "bitrate": 192_000,
        "cover_source": "embedded",
        "title": "Группа крови",
        "sort_key": "группа крови",
        "artists_json": '["Кино"]',
        "album": "Группа крови",
        "album_key": "группа крови",
        "album_artist": None,
        "track_number": None,
        "track_total": None,
        "disc_number": None,
        "disc_total": None,
        "year": 1988,
        "genre": "Rock",
        "isrc": None,
        "version": 1,
        "created_at": MILLIS,
        "updated_at": MILLIS,
    }
    assert ops[1:] == [
        Delete(table="track_artists", key={"track_id": "t1"}),
        Upsert(
            table="track_artists", key={"track_id": "t1", "ordinal": 0}, values={"artist": "Кино", "artist_key": "кино"}
        ),
        Delete(table="track_analysis", key={"track_id": "t1"}),  # not analysed: no row
    ]


def test_an_analysed_ingest_upserts_its_analysis_row() -> None:
    analysed = e.TrackIngested(**{**INGESTED.__dict__, "analysis": ANALYSIS})
    assert tracks.project(analysed, meta(1))[-1] == Upsert(
        table="track_analysis",
        key={"track_id": "t1"},
        values={
            "bpm": 128.4,
            "key_tonic": 9,
            "key_mode": "minor",
            "key_confidence": 0.93,
            "lufs": -14.2,
            "peak_dbfs": -0.3,
        },
    )


def test_a_correction_rewrites_metadata_and_credits() -> None:
    corrected = e.MetadataCorrected(metadata=TrackMetadata(title="Back in Black", artists=("AC/DC", "Ёлка")))
    update, *credits = tracks.project(corrected, meta(2))
    assert isinstance(update, Update)
    assert update.values["title"] == "Back in Black"
    assert update.values["album_key"] is None
    assert update.values["version"] == 2
    assert [op.values for op in credits if isinstance(op, Upsert)] == [
        {"artist": "AC/DC", "artist_key": "ac dc"},
        {"artist": "Ёлка", "artist_key": "елка"},
    ]


def test_cover_and_removal_rows() -> None:
    [cover] = tracks.project(e.CoverReplaced(covers=(NEW_COVER,), cover_source="uploaded"), meta(3))
    assert isinstance(cover, Update)
    assert json.loads(cover.values["covers_json"])[0]["blob"]["key"] == "covers/d.jpg"
    assert tracks.project(e.TrackRemoved(), meta(4)) == [
        Delete(table="track_artists", key={"track_id": "t1"}),
        Delete(table="track_analysis", key={"track_id": "t1"}),
        Delete(table="tracks", key={"track_id": "t1"}),
    ]


def test_search_documents_follow_the_stream() -> None:
    document = search.project(None, INGESTED, meta(1))
    assert document == SearchDocument(
        track_id="t1",
        version=1,
        title=METADATA.title,
        artists=METADATA.artists,
        album=METADATA.album,
        genre="Rock",
        year=1988,
        owner_id="owner-1",
        public=True,
        duration_ms=AUDIO.duration_ms,
    )
    assert isinstance(document, SearchDocument)
    corrected = search.project(document, e.MetadataCorrected(metadata=TrackMetadata(title="Кукушка")), meta(2))
    assert corrected == SearchDocument(
        track_id="t1", version=2, title="Кукушка", owner_id="owner-1", public=True, duration_ms=AUDIO.duration_ms
    )
    assert search.project(document, e.CoverReplaced(covers=(NEW_COVER,), cover_source="uploaded"), meta(3)) is None
    assert search.project(document, e.TrackRemoved(), meta(4)) == SearchRemoval(track_id="t1", version=4)


@pytest.mark.parametrize("visibility", [Visibility.PRIVATE, Visibility.UNLISTED])
def test_only_public_tracks_are_public_in_search(visibility: Visibility) -> None:
    ingested = e.TrackIngested(**{**INGESTED.__dict__, "visibility": visibility})
    document = search.project(None, ingested, meta(1))
    assert isinstance(document, SearchDocument)
    assert not document.public
    assert document.owner_id == "owner-1"


def test_a_correction_without_a_document_changes_nothing() -> None:
    assert search.project(None, e.MetadataCorrected(metadata=TrackMetadata(title="x")), meta(2)) is None
