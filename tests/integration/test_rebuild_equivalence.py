"""A rebuild writes exactly the rows and bookkeeping that live projection of the same log wrote.

Real embedded log, real SQLite and PostgreSQL read stores. The live side projects the log in small
batches through the projector runner (one transaction each); the rebuild then replaces that read
model from the same log in one transaction, and every row, position and version must come out equal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from processors.embedded import ProjectorRunner
from processors.projector import ProjectorStep
from processors.rebuild import rebuild
from projections.registry import PROJECTIONS
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.integration.test_track_projectors import ENGINES, emptied_store, encoded, started_log
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.domain.playlist import events as e
from tuneton.domain.playlist.commands import Visibility
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.ports import LogRecord, OutgoingRecord, ReadStore

PROJECTION = PROJECTIONS["playlists"]


def _stream() -> list[tuple[str, Any]]:
    """Every playlist event kind, several playlists, one of them deleted, in an interleaved order."""
    created = {"owner_id": "o1", "description": "", "visibility": Visibility.PUBLIC}
    stream: list[tuple[str, Any]] = []
    for n in range(4):
        stream.append((f"p{n}", e.PlaylistCreated(name=f"list {n}", **created)))
    for i in range(12):
        stream.append((f"p{i % 4}", e.TrackAdded(item_id=f"i{i}", track_id=f"t{i}", rank=f"a{i}")))
    stream += [
        ("p0", e.PlaylistRenamed(name="renamed")),
        ("p1", e.ItemMoved(item_id="i1", rank="Z0")),
        ("p2", e.ItemRemoved(item_id="i2")),
        ("p3", e.PlaylistDescribed(description="described")),
        ("p0", e.VisibilityChanged(visibility=Visibility.PRIVATE)),
        ("p3", e.PlaylistDeleted()),
        ("p1", e.TrackAdded(item_id="i1", track_id="t1", rank="b0")),  # the same item again: an upsert
    ]
    # A long run of one playlist's adds (PostgreSQL's rebuild COPYs such runs), an item added twice in it.
    stream += [("p5", e.PlaylistCreated(name="long", **created))]
    stream += [("p5", e.TrackAdded(item_id=f"r{i % 30}", track_id=f"t{i}", rank=f"c{i:02}")) for i in range(35)]
    # Adds to six playlists in turn: one long run of item upserts only once a rebuild groups a batch's
    # rows by table. An item removed and added again between them: each table's own order must hold.
    stream += [(f"q{n}", e.PlaylistCreated(name=f"q{n}", **created)) for n in range(6)]
    stream += [(f"q{i % 6}", e.TrackAdded(item_id=f"s{i}", track_id=f"t{i}", rank=f"d{i:02}")) for i in range(24)]
    stream += [("q0", e.ItemRemoved(item_id="s0")), ("q0", e.TrackAdded(item_id="s0", track_id="t99", rank="e0"))]
    stream += [(f"q{i % 6}", e.TrackAdded(item_id=f"s{i}", track_id=f"t{i}", rank=f"f{i:02}")) for i in range(24, 44)]
    return stream


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedEventLog, AvroCodec]]:
    async for started in started_log(tmp_path, topics.PLAYLIST_EVENTS, 3):
        yield started


@pytest.fixture(params=ENGINES)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    async for read_store in emptied_store(request, tmp_path, PROJECTION.name):
        yield read_store


async def _append(log: tuple[EmbeddedEventLog, AvroCodec], stream: list[tuple[str, Any]]) -> list[LogRecord]:
    event_log, codec = log
    records = encoded(codec, "playlist", stream)
    records.insert(7, OutgoingRecord(topic=topics.PLAYLIST_EVENTS, key=b"p1", value=b"\x00poison"))
    await event_log.append(records)
    subscription = await event_log.subscribe([topics.PLAYLIST_EVENTS], group=None, from_beginning=True)
    try:
        read: list[LogRecord] = []
        while len(read) < len(records):
            read += await subscription.poll(max_records=100, wait_s=1.0)
        return read
    finally:
        await subscription.close()


async def _everything(store: ReadStore) -> dict[str, list[dict[str, Any]]]:
    queries = {
        "playlists": "SELECT * FROM playlists ORDER BY playlist_id",
        "items": "SELECT * FROM playlist_items ORDER BY playlist_id, item_id",
        "positions": "SELECT * FROM projection_positions WHERE projection = :p ORDER BY topic, partition",
        "versions": "SELECT * FROM projection_versions WHERE projection = :p ORDER BY aggregate_id",
    }
    return {name: await store.fetch_all(sql, {"p": PROJECTION.name}) for name, sql in queries.items()}


async def test_a_rebuild_writes_what_live_projection_wrote(
    log: tuple[EmbeddedEventLog, AvroCodec], store: ReadStore
) -> None:
    records = await _append(log, _stream())
    runner = ProjectorRunner(log[0], store, ProjectorStep(log[1], PROJECTION))
    for start in range(0, len(records), 4):
        await runner.process(records[start : start + 4])
    live = await _everything(store)
    names = ["renamed", "list 1", "list 2", "long", *(f"q{n}" for n in range(6))]
    assert [row["name"] for row in live["playlists"]] == names  # p3 was deleted
    assert len(live["items"]) == 12 - 3 - 1 + 30 + 44  # p3's three items went with it, i2 was removed
    assert [r["track_id"] for r in live["items"] if r["item_id"] == "s0"] == ["t99"]  # removed, then added again

    for batch in (5, 1000):  # runs cut by batches, and the whole log in one batch (long runs)
        seen, _ = await rebuild(log[0], store, runner, PROJECTION, batch=batch)
        assert seen == len(records)
        assert await _everything(store) == live
    letters = await log[0].end_offsets(topics.DEADLETTER)
    assert sum(letters.values()) == 3  # the poison record, parked by live projection and by each rebuild
