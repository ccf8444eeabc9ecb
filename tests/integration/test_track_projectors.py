"""The track projectors on real stores: the search projector on SQLite FTS5 and Elasticsearch, the tracks
read model and its readers on SQLite and PostgreSQL. Events go through the real Avro codec and the
embedded log, so redelivery, replay and poison are exercised as the runners see them.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from processors.embedded import ProjectorRunner, SearchRunner
from processors.projector import ProjectorStep
from processors.search import SearchStep
from projections.registry import PROJECTIONS, SEARCH
from query_api.readers import tracks as reader
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.fakes import InMemorySchemaRegistry
from tests.unit.test_track_decider import ANALYSIS, INGESTED
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.adapters.sqlite.search import SqliteSearchIndex
from tuneton.catalog_values import SearchQuery
from tuneton.domain.track import events as e
from tuneton.domain.track.values import TrackMetadata, Visibility
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import EventEnvelope
from tuneton.ports import LogRecord, OutgoingRecord, ReadStore, SearchIndex

AT = datetime(2025, 6, 1, tzinfo=UTC)


def ingested(title: str, *artists: str, album: str | None = None, visibility: Visibility = Visibility.PUBLIC) -> Any:
    metadata = TrackMetadata(title=title, artists=artists, album=album)
    return replace(INGESTED, metadata=metadata, visibility=visibility)


async def started_log(tmp_path: Path, topic: str, partitions: int) -> AsyncIterator[tuple[EmbeddedEventLog, AvroCodec]]:
    """The body of a ``log`` fixture: an embedded log with ``topic`` and the dead-letter topic, and a codec."""
    event_log = EmbeddedEventLog(tmp_path / "events.db")
    await event_log.start()
    await event_log.ensure_topics({topic: partitions, topics.DEADLETTER: 1})
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    yield event_log, codec
    await event_log.close()


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedEventLog, AvroCodec]]:
    async for started in started_log(tmp_path, topics.TRACK_EVENTS, 6):
        yield started


def encoded(codec: AvroCodec, aggregate_type: str, stream: list[tuple[str, Any]]) -> list[OutgoingRecord]:
    """Records of (aggregate id, event) pairs with consecutive versions per aggregate."""
    topic = topics.AGGREGATES[aggregate_type].events_topic
    versions: dict[str, int] = {}
    records = []
    for aggregate_id, event in stream:
        versions[aggregate_id] = versions.get(aggregate_id, 0) + 1
        envelope = EventEnvelope(
            event_id=str(uuid.uuid4()), aggregate_type=aggregate_type, aggregate_id=aggregate_id,
            aggregate_version=versions[aggregate_id], occurred_at=AT, actor_id="owner-1", correlation_id="c",
            causation_id="c", event=event,
        )  # fmt: skip
        records.append(OutgoingRecord(topic=topic, key=aggregate_id.encode(), value=codec.encode_event(envelope)))
    return records


async def append(log: tuple[EmbeddedEventLog, AvroCodec], stream: list[tuple[str, Any]]) -> list[LogRecord]:
    """Append (track id, event) pairs with consecutive versions per track; return them as read back."""
    event_log, codec = log
    await event_log.append(encoded(codec, "track", stream))
    subscription = await event_log.subscribe([topics.TRACK_EVENTS], group=None)
    read = await subscription.poll(max_records=1000, wait_s=1)
    await subscription.close()
    return read


STREAM = [
    ("t1", ingested("Группа крови", "Кино", album="Группа крови")),
    ("t2", ingested("Back in Black", "AC/DC", album="Back in Black")),
    ("t3", ingested("Demo", "Alice", visibility=Visibility.PRIVATE)),
    ("t1", e.MetadataCorrected(metadata=TrackMetadata(title="Кукушка", artists=("Кино",), album="Чёрный альбом"))),
    ("t2", e.CoverReplaced(covers=INGESTED.covers, cover_source="uploaded")),
    ("t2", e.TrackRemoved()),
]


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
async def index(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SearchIndex]:
    if request.param == "sqlite":
        search: SearchIndex = SqliteSearchIndex(tmp_path / "search.db")
        await search.start()
        yield search
        await search.close()
        return
    from tuneton.adapters.elasticsearch.search import ElasticsearchSearchIndex

    name = f"tuneton-test-{uuid.uuid4().hex[:12]}"
    es_index = ElasticsearchSearchIndex(request.getfixturevalue("elasticsearch_url"), index=name)
    await es_index.start()
    yield es_index
    await es_index._es.indices.delete(index=name)
    await es_index.close()


async def titles(index: SearchIndex, text: str, viewer: str | None = None) -> list[str]:
    await index.refresh()
    page = await index.search(SearchQuery(text=text, viewer_id=viewer))
    return [hit.document.title for hit in page.hits]


async def test_search_follows_the_stream_and_replays_change_nothing(
    log: tuple[EmbeddedEventLog, AvroCodec], index: SearchIndex
) -> None:
    records = await append(log, STREAM)
    runner = SearchRunner(log[0], index, SearchStep(log[1], SEARCH))
    assert await runner.process(records) == 5  # the cover change is not a search change
    assert await titles(index, "кук") == ["Кукушка"]
    assert await titles(index, "груп") == []  # corrected away
    assert await titles(index, "back") == []  # removed
    assert await titles(index, "demo") == []
    assert await titles(index, "demo", viewer="owner-1") == ["Demo"]
    assert await runner.process(records) == 0  # redelivered: every change is stale
    assert await runner.process(records[3:]) == 0
    assert await titles(index, "кук") == ["Кукушка"]


async def test_poison_is_dead_lettered_and_the_rest_indexed(
    log: tuple[EmbeddedEventLog, AvroCodec], index: SearchIndex
) -> None:
    records = await append(log, STREAM[:1])
    poison = replace(records[0], offset=records[0].offset + 1, value=b"\x00\x00\x00\x00\x63garbage")
    runner = SearchRunner(log[0], index, SearchStep(log[1], SEARCH))
    assert await runner.process([poison, *records]) == 1
    assert (await log[0].end_offsets(topics.DEADLETTER))[0] == 1
    assert await titles(index, "груп") == ["Группа крови"]


ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


async def emptied_store(request: pytest.FixtureRequest, tmp_path: Path, projection: str) -> AsyncIterator[ReadStore]:
    """The body of a ``store`` fixture parametrised by ``ENGINES``: every projection's tables, ``projection``'s
    emptied before and after (on PostgreSQL the module's throw-away database)."""
    ddl = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]
    if request.param == "sqlite":
        read_store: ReadStore = SqliteReadStore(tmp_path / "readmodels.db", ddl=ddl)
    else:
        from tuneton.adapters.postgres.readstore import PostgresReadStore

        read_store = PostgresReadStore(request.getfixturevalue("database"), ddl=ddl)  # a throw-away database
    await read_store.start()
    await read_store.reset(projection, PROJECTIONS[projection].tables)
    yield read_store
    await read_store.reset(projection, PROJECTIONS[projection].tables)
    await read_store.close()


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    async for read_store in emptied_store(request, tmp_path, "tracks"):
        yield read_store


async def test_the_tracks_read_model_answers_by_id_hash_artist_album_and_recency(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    stream = [
        ("t1", ingested("Группа крови", "Кино", "Виктор Цой", album="Группа крови")),
        ("t2", ingested("Hells Bells", "AC/DC", album="Back in Black")),
        ("t3", ingested("Private demo", "Кино", visibility=Visibility.PRIVATE)),
        (
            "t2",
            e.MetadataCorrected(metadata=TrackMetadata(title="Hells Bells", artists=("AC/DC",), album="Back in Black")),
        ),
    ]
    records = await append(log, stream)
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["tracks"]))
    assert await runner.process(records) == 4
    assert await runner.process(records) == 0
    row = await reader.track(store, "t1")
    assert row is not None
    assert row["title"] == "Группа крови"
    rows, total = await reader.browse(store, viewer=None, artist="кино", limit=10, offset=0)
    assert ([r["track_id"] for r in rows], total) == (["t1"], 1)
    rows, total = await reader.browse(store, viewer="owner-1", artist="КИНО", limit=10, offset=0)
    assert total == 2
    rows, _ = await reader.browse(store, viewer=None, artist="ac/dc", album="back in black", limit=10, offset=0)
    assert [r["track_id"] for r in rows] == ["t2"]
    assert sorted(await reader.tracks_by_id(store, ["t1", "t2", "nope"])) == ["t1", "t2"]
    _, total = await reader.browse(store, viewer="owner-1", mine=True, limit=1, offset=0)
    assert total == 3


async def test_dedupe_finds_the_uploaders_own_track_first_and_never_a_strangers_private_one(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    from commands.ingest import DuplicateFinder

    sha = INGESTED.content_sha256
    private = replace(ingested("Mine", "A", visibility=Visibility.PRIVATE), owner_id="alice")
    public = replace(ingested("Theirs", "B"), owner_id="bob")
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["tracks"]))
    await runner.process(await append(log, [("t-alice", private)]))
    finder = DuplicateFinder(store)
    assert await finder.find(sha, "alice") == "t-alice"
    assert await finder.find(sha, "carol") is None  # alice's copy is private
    await runner.process((await append(log, [("t-bob", public)]))[-1:])  # read back: both records
    assert await finder.find(sha, "alice") == "t-alice"
    assert await finder.find(sha, "carol") == "t-bob"
    assert await finder.find("0" * 64, "alice") is None


async def test_the_readers_carry_the_analysis_and_a_removal_takes_it_away(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    stream = [
        ("t1", replace(ingested("Analysed", "A"), analysis=ANALYSIS)),
        ("t2", ingested("Not analysed", "A")),
        ("t3", replace(ingested("Removed", "B"), analysis=ANALYSIS)),
        ("t3", e.TrackRemoved()),
    ]
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTIONS["tracks"]))
    assert await runner.process(await append(log, stream)) == 4
    rows = await reader.tracks_by_id(store, ["t1", "t2"])
    measured = {name: rows["t1"][name] for name in ("bpm", "key_tonic", "key_mode", "key_confidence", "lufs")}
    assert measured == {"bpm": 128.4, "key_tonic": 9, "key_mode": "minor", "key_confidence": 0.93, "lufs": -14.2}
    assert rows["t2"]["bpm"] is None
    browsed, total = await reader.browse(store, viewer=None, artist="a", limit=10, offset=0)
    assert total == 2
    assert {r["track_id"]: r["peak_dbfs"] for r in browsed} == {"t1": -0.3, "t2": None}
    assert await store.fetch_all("SELECT track_id FROM track_analysis", {}) == [{"track_id": "t1"}]
