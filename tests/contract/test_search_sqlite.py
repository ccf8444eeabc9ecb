"""The SearchIndex contract on SQLite FTS5 (the embedded runtime's search)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.contract.search_index_contract import SearchIndexContract
from tuneton.adapters.sqlite.search import SqliteSearchIndex
from tuneton.catalog_values import SEARCH_TOTAL_CAP, SearchDocument, SearchQuery, SearchRemoval
from tuneton.media.search_match import score
from tuneton.media.search_text import analyse, query_terms
from tuneton.ports import SearchIndex


class TestSqliteSearchIndex(SearchIndexContract):
    @pytest.fixture
    async def index(self, tmp_path: Path) -> AsyncIterator[SearchIndex]:
        search = SqliteSearchIndex(tmp_path / "search.db")
        await search.start()
        yield search
        await search.close()


async def test_a_word_another_process_indexed_is_found_with_a_typo(tmp_path: Path) -> None:
    """The typo vocabulary is cached; a commit by another connection (the embedded worker indexes,
    the serving process searches) makes it stale, and the next typo search reads it again."""
    writer, reader = SqliteSearchIndex(tmp_path / "search.db"), SqliteSearchIndex(tmp_path / "search.db")
    await writer.start()
    await reader.start()
    try:
        await writer.upsert(SearchDocument(track_id="a", version=1, title="Thunderstruck"))
        assert [h.document.track_id for h in (await reader.search(SearchQuery(text="thundrstruck"))).hits] == ["a"]
        await writer.upsert(SearchDocument(track_id="b", version=1, title="Kashmir"))
        assert [h.document.track_id for h in (await reader.search(SearchQuery(text="kashmri"))).hits] == ["b"]
    finally:
        await writer.close()
        await reader.close()


async def test_documents_survive_a_restart(tmp_path: Path) -> None:
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


WORDS = ["love", "night", "lovely", "light", "dance", "dc", "ac", "blue", "ночь", "любовь", "ночной", "город"]


def _generated_catalog(count: int) -> list[SearchDocument]:
    """Titles of 1-4 words, Latin before Cyrillic in title order (tiers cluster), some private, some removed later."""
    rng = random.Random(11)
    documents = []
    for n in range(count):
        pool = WORDS[:8] if n % 3 else WORDS[8:]
        documents.append(SearchDocument(
            track_id=f"gen-{n:04d}", version=1, title=" ".join(rng.choices(pool, k=rng.randint(1, 3)))
            + (" night" if n % 3 and rng.random() < 0.6 else ""),  # a tier of most Latin titles: walked to the end
            artists=(rng.choice(["AC/DC", "Night Riders", "Любовь"]),), album=rng.choice(["Blue Light", "Город", None]),
            owner_id="alice" if n % 17 == 0 else None, public=n % 17 != 0,
        ))  # fmt: skip
    return documents


def _reference(documents: list[SearchDocument], query: SearchQuery) -> list[tuple[str, float]]:
    """Every visible match of ``query`` ranked by the reference scorer: score, then title key, then id."""
    terms = query_terms(query.text)
    matches = []
    for document in documents:
        if not (document.public or document.owner_id == query.viewer_id):
            continue
        fields = {"title": [document.title], "artist": list(document.artists), "album": [document.album or ""]}
        found = score(fields, terms)
        if found is not None:
            analysed = analyse(title=document.title, artists=document.artists, album=document.album, genre=None)
            matches.append((-found, analysed.sort_key, document.track_id))
    return [(track_id, -negated) for negated, _, track_id in sorted(matches)]


@pytest.mark.parametrize("viewer", [None, "alice"])
async def test_tier_walks_rank_like_the_reference_scorer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, viewer: str | None
) -> None:
    """One and several terms, each page: the walked, the bounded-then-sorted and the sorted tiers all
    give the reference order (a tier spread over the alphabet is walked; a Cyrillic one, sorting after
    every Latin title, outruns its walk and is sorted)."""
    from tuneton.adapters.sqlite import search as module

    plans: list[str] = []
    original = module.tier_query

    def spy(*args: Any, walk: bool = False, until: tuple[str, str] | None = None) -> tuple[str, list[Any]]:
        plans.append("sort" if not walk else "walk" if until is None else "bounded walk")
        return original(*args, walk=walk, until=until)

    monkeypatch.setattr(module, "tier_query", spy)
    documents = _generated_catalog(900)
    index = SqliteSearchIndex(tmp_path / "search.db")
    await index.start()
    await index.write(documents)
    await index.write([SearchRemoval(track_id=f"gen-{n:04d}", version=2) for n in range(0, 900, 13)])
    live = [document for document in documents if int(document.track_id[4:]) % 13]
    for text in ["love", "night", "ночь", "lov", "ночн", "love night", "ac/dc", "lvoe", "любовь город", "blue ac"]:
        for offset in (0, 20, 95, 300):
            query = SearchQuery(text=text, offset=offset, limit=20, viewer_id=viewer)
            page = await index.search(query)
            expected = _reference(live, query)
            assert [(hit.document.track_id, hit.score) for hit in page.hits] == expected[offset : offset + 20], text
            assert page.total == min(len(expected), SEARCH_TOTAL_CAP), text
    await index.close()
    assert {"sort", "walk", "bounded walk"} <= set(plans)
