"""Playlist readers on both read stores: items and counts show only tracks the reader may see.

The join of ``playlist_items`` with ``tracks`` is SQL the two databases must agree on; rows are
written directly, so this checks the readers alone (the e2e tests check the whole path).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from commands.track_access import TrackAccess, visible_track
from projections.registry import PROJECTIONS
from query_api.readers import playlists as reader
from tuneton.ports import Checkpoint, ReadStore, Update, Upsert

DDL = [p.schema.read_text(encoding="utf-8") for p in PROJECTIONS.values()]
TRACKS = {"pub": ("bob", "public"), "unl": ("bob", "unlisted"), "bobs": ("bob", "private"), "alis": ("ali", "private")}


@pytest.fixture(scope="module")
def database(postgres_dsn: str) -> Iterator[str]:
    name = f"tuneton_readers_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(urlsplit(postgres_dsn)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    read_store: ReadStore
    if request.param == "sqlite":
        from tuneton.adapters.sqlite.readstore import SqliteReadStore

        read_store = SqliteReadStore(tmp_path / "readmodels.db", ddl=DDL)
    else:
        from tuneton.adapters.postgres.readstore import PostgresReadStore

        read_store = PostgresReadStore(request.getfixturevalue("database"), ddl=DDL, min_size=1, max_size=2)
    await read_store.start()
    await _seed(read_store, playlist_id := f"p-{uuid.uuid4().hex[:8]}")
    read_store.playlist_id = playlist_id  # type: ignore[attr-defined]
    yield read_store
    await read_store.close()


async def _seed(store: ReadStore, playlist_id: str) -> None:
    """Ali's public playlist holding Bob's public, unlisted and private tracks, Ali's private one, a ghost."""
    header = {"owner_id": "ali", "name": "Mix", "description": "", "visibility": "public", "version": 6,
              "created_at": 1, "updated_at": 2}  # fmt: skip
    ops = [Upsert(table="playlists", key={"playlist_id": playlist_id}, values=header)]
    for n, track in enumerate([*TRACKS, "ghost"]):
        item = {"track_id": f"{playlist_id}-{track}", "rank": f"a{n}", "added_at": 1, "added_by": "ali"}
        ops.append(Upsert(table="playlist_items", key={"playlist_id": playlist_id, "item_id": f"i{n}"}, values=item))
    for track, (owner, visibility) in TRACKS.items():
        row = {"owner_id": owner, "visibility": visibility, "content_sha256": "x", "title": "t", "sort_key": "t",
               "artists_json": "[]", "container": "mp3", "codec": "mp3", "duration_ms": 1, "sample_rate": 44100,
               "channels": 2, "original_json": "{}", "renditions_json": "[]", "covers_json": "[]",
               "cover_source": "placeholder", "version": 1, "created_at": 1, "updated_at": 1}  # fmt: skip
        ops.append(Upsert(table="tracks", key={"track_id": f"{playlist_id}-{track}"}, values=row))
    await store.apply(
        [
            (
                ops,
                Checkpoint(
                    projection=playlist_id,
                    topic="seed",
                    partition=0,
                    offset=0,
                    aggregate_id=playlist_id,
                    aggregate_version=1,
                ),
            )
        ]
    )


@pytest.mark.parametrize(
    ("viewer", "expect"),
    [(None, ["pub", "unl"]), ("ali", ["pub", "unl", "alis"]), ("bob", ["pub", "unl", "bobs"])],
)
async def test_items_and_count_follow_the_readers_visibility(
    store: ReadStore, viewer: str | None, expect: list[str]
) -> None:
    playlist_id = store.playlist_id  # type: ignore[attr-defined]
    rows = await reader.items(store, playlist_id, viewer=viewer, limit=10, offset=0)
    assert [r["track_id"].removeprefix(f"{playlist_id}-") for r in rows] == expect
    header = await reader.playlist(store, playlist_id, viewer=viewer)
    assert header is not None
    assert header["item_count"] == len(expect)
    page = await reader.items(store, playlist_id, viewer=viewer, limit=1, offset=1)
    assert [r["track_id"] for r in page] == [rows[1]["track_id"]]  # pages count visible items only


@pytest.mark.parametrize(
    ("track", "viewer", "visible"),
    [
        ("pub", "ali", True),
        ("unl", "ali", True),
        ("bobs", "ali", False),
        ("bobs", "bob", True),
        ("ghost", "ali", False),
    ],
)
async def test_commands_may_name_only_visible_tracks(store: ReadStore, track: str, viewer: str, visible: bool) -> None:
    found = await visible_track(store, f"{store.playlist_id}-{track}", viewer)  # type: ignore[attr-defined]
    assert (found is not None) is visible


async def _until(check: Callable[[], Awaitable[bool]], timeout_s: float = 10.0) -> None:
    """Return once ``check()`` holds; fail after ``timeout_s`` (a notification that never came)."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "never held"
        await asyncio.sleep(0.02)


async def _set_visibility_unannounced(dsn: str, track_id: str, visibility: str) -> None:
    """A write no projector made: PostgreSQL sends no notification for it."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        await conn.execute("UPDATE tracks SET visibility = %s WHERE track_id = %s", (visibility, track_id))


async def _project_visibility(store: ReadStore, track_id: str, visibility: str, *, offset: int) -> None:
    """The tracks projector's commit of a new visibility (announced with NOTIFY)."""
    change = Update(table="tracks", key={"track_id": track_id}, values={"visibility": visibility})
    await store.apply(
        [
            (
                [change],
                Checkpoint(
                    projection="tracks",
                    topic="t",
                    partition=0,
                    offset=offset,
                    aggregate_id=track_id,
                    aggregate_version=offset + 2,
                ),
            )
        ]
    )


@pytest.mark.postgres
async def test_remembered_rows_last_until_the_tracks_projection_commits_or_listen_is_lost(database: str) -> None:
    from tuneton.adapters.postgres.readstore import PostgresReadStore

    store = PostgresReadStore(database, ddl=DDL, min_size=1, max_size=2)
    await store.start()
    await _seed(store, playlist_id := f"p-{uuid.uuid4().hex[:8]}")
    track, tracks = f"{playlist_id}-pub", TrackAccess(store, 64)
    try:

        async def remembered() -> bool:  # the first lookups come before LISTEN is up: not kept
            return await tracks.visible_track(track, "ali") is not None and tracks.held() == 1

        await _until(remembered)
        await _set_visibility_unannounced(database, track, "private")
        assert await tracks.visible_track(track, "ali") is not None  # served from memory, no query

        await _project_visibility(store, track, "private", offset=0)

        async def hidden() -> bool:
            return await tracks.visible_track(track, "ali") is None

        await _until(hidden)  # the projector's commit dropped the row

        with store.invalidations("tracks", track) as announced:  # listening since the first lookups
            assert announced is not None
            await _project_visibility(store, track, "public", offset=1)
            # Its notice may come after a lookup re-read the row and would drop it again: wait for it.
            await asyncio.wait_for(announced.wait(), timeout=10)
        await _until(remembered)
        await _set_visibility_unannounced(database, track, "private")
        assert await tracks.visible_track(track, "ali") is not None
        async with await psycopg.AsyncConnection.connect(database, autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN%%'"
            )
        await _until(hidden)  # the lost LISTEN connection dropped everything
    finally:
        tracks.close()
        await store.close()


async def test_a_store_that_cannot_vouch_for_its_rows_has_none_remembered(tmp_path: Path) -> None:
    from tuneton.adapters.sqlite.readstore import SqliteReadStore

    store = SqliteReadStore(tmp_path / "readmodels.db", ddl=DDL)  # the embedded worker's signals may drop
    await store.start()
    await _seed(store, playlist_id := f"p-{uuid.uuid4().hex[:8]}")
    tracks = TrackAccess(store, 64)
    assert await tracks.visible_track(f"{playlist_id}-pub", "ali") is not None
    assert tracks.held() == 0
    await store.close()
