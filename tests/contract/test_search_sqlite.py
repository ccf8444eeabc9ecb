"""The SearchIndex contract on SQLite FTS5 (the embedded runtime's search)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.search_index_contract import SearchIndexContract
from tuneton.adapters.sqlite.search import SqliteSearchIndex
from tuneton.ports import SearchIndex


class TestSqliteSearchIndex(SearchIndexContract):
    @pytest.fixture
    async def index(self, tmp_path: Path) -> AsyncIterator[SearchIndex]:
        search = SqliteSearchIndex(tmp_path / "search.db")
        await search.start()
        yield search
        await search.close()


async def test_documents_survive_a_restart(tmp_path: Path) -> None:
    from tuneton.catalog_values import SearchDocument, SearchQuery

    first = SqliteSearchIndex(tmp_path / "search.db")
    await first.start()
    await first.upsert(SearchDocument(track_id="t", version=3, title="Кукушка"))
    await first.close()
    again = SqliteSearchIndex(tmp_path / "search.db")
    await again.start()
    assert [hit.document.track_id for hit in (await again.search(SearchQuery(text="кук"))).hits] == ["t"]
    assert not await again.upsert(SearchDocument(track_id="t", version=3, title="replayed"))
    await again.close()


async def test_a_file_from_before_the_short_prefix_table_is_migrated_on_start(tmp_path: Path) -> None:
    import sqlite3

    from tests.contract.search_index_contract import CATALOG
    from tuneton.catalog_values import SearchQuery

    path = tmp_path / "search.db"
    first = SqliteSearchIndex(path)
    await first.start()
    await first.write(CATALOG)
    expected = {text: await first.search(SearchQuery(text=text, viewer_id="alice")) for text in ("b", "bl", "東", "ел")}
    await first.close()
    with sqlite3.connect(path) as db:  # what schema 1 had: no search_short, no schema_version
        db.execute("DROP TABLE search_short")
        db.execute("DELETE FROM search_meta WHERE key = 'schema_version'")
    again = SqliteSearchIndex(path)
    await again.start()
    assert {text: await again.search(SearchQuery(text=text, viewer_id="alice")) for text in expected} == expected
    assert [hit.document.track_id for hit in expected["b"].hits][:2] == ["acdc-1", "private-1"]  # not vacuous
    await again.close()


async def test_a_file_of_other_analysis_rules_is_refused_unless_rebuilding(tmp_path: Path) -> None:
    import sqlite3

    from tuneton.catalog_values import SearchDocument

    path = tmp_path / "search.db"
    first = SqliteSearchIndex(path)
    await first.start()
    await first.upsert(SearchDocument(track_id="t", version=3, title="old rules"))
    await first.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE search_meta SET value = '0' WHERE key = 'analysis_version'")
    with pytest.raises(RuntimeError, match="analysis version 0"):
        await SqliteSearchIndex(path).start()
    rebuilt = SqliteSearchIndex(path)
    await rebuilt.start(rebuilding=True)  # what `tuneton projections rebuild search` does first
    assert await rebuilt.get("t") is None  # emptied, for the replay to fill
    await rebuilt.close()
    again = SqliteSearchIndex(path)
    await again.start()  # of this code's rules now
    await again.close()
