"""The SearchIndex contract: idempotent versioned writes and ranked, filtered, highlighted search.

One catalog (:data:`CATALOG`) mixes Latin with accents, Cyrillic, CJK and emoji. Expected results are
written out in full — ids in order and exact scores — so a second engine has to agree with the first
to the last place, and a regression in either shows up as a diff here. Subclasses provide ``index``:
started and empty.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator

import pytest

from tuneton.catalog_values import SEARCH_TOTAL_CAP, SearchDocument, SearchPage, SearchQuery, SearchRemoval
from tuneton.ports import SearchIndex


def doc(track_id: str, title: str, *artists: str, album: str | None = None, **extra: object) -> SearchDocument:
    return SearchDocument(track_id=track_id, version=1, title=title, artists=artists, album=album, **extra)  # type: ignore[arg-type]


CATALOG = [
    doc("acdc-1", "Back in Black", "AC/DC", album="Back in Black", genre="Rock", year=1980),
    doc("acdc-2", "Hells Bells", "AC/DC", album="Back in Black", genre="Rock", year=1980),
    doc("beatles-1", "Let It Be", "The Beatles", album="Let It Be", genre="Rock", year=1970),
    doc("beatles-2", "Blackbird", "The Beatles", album="The Beatles", genre="Rock", year=1968),
    doc("beyonce-1", "Halo", "Beyoncé", album="I Am... Sasha Fierce", genre="R&B", year=2008),
    doc("beyonce-2", "Crazy in Love", "Beyoncé", "JAY-Z", album="Dangerously in Love", genre="R&B", year=2003),
    doc("kino-1", "Группа крови", "Кино", album="Группа крови", genre="Rock", year=1988),
    doc("kino-2", "Звезда по имени Солнце", "Кино", album="Звезда по имени Солнце", genre="Rock", year=1989),
    doc("yolka-1", "Прованс", "Ёлка", album="Точки расставлены", genre="Pop", year=2010),
    doc("jihen-1", "群青日和", "東京事変", album="教育", genre="J-Rock", year=2004),
    doc("yoasobi-1", "夜に駆ける", "YOASOBI", album="THE BOOK", genre="J-Pop", year=2019),
    doc("emoji-1", "Night Drive 🚗🌙", "Synth Kid", album="Neon 🌆", genre="Synthwave", year=2021),
    doc("metallica-1", "Enter Sandman", "Metallica", album="Metallica", genre="Metal", year=1991),
    doc("motorhead-1", "Ace of Spades", "Motörhead", album="Ace of Spades", genre="Metal", year=1980),
    doc("sigur-1", "Hoppípolla", "Sigur Rós", album="Takk...", genre="Post-rock", year=2005),
    doc("private-1", "Black Demo", "Alice", album="Drafts", genre="Rock", year=2024, owner_id="alice", public=False),
]


def ranked(page: SearchPage) -> list[tuple[str, float]]:
    return [(hit.document.track_id, hit.score) for hit in page.hits]


def ids(page: SearchPage) -> list[str]:
    return [hit.document.track_id for hit in page.hits]


class SearchIndexContract(abc.ABC):
    """Inherit and implement ``index``."""

    @pytest.fixture
    @abc.abstractmethod
    async def index(self) -> AsyncIterator[SearchIndex]:
        """A started, empty index."""
        yield  # type: ignore[misc]

    @pytest.fixture
    async def catalog(self, index: SearchIndex) -> SearchIndex:
        assert await index.write(CATALOG) == [True] * len(CATALOG)
        await index.refresh()
        return index

    async def search(self, index: SearchIndex, text: str = "", **options: object) -> SearchPage:
        return await index.search(SearchQuery(text=text, **options))  # type: ignore[arg-type]

    # --- writes -------------------------------------------------------------------------------

    async def test_upsert_and_get(self, index: SearchIndex) -> None:
        document = doc("t", "Кукушка", "Кино", album="Чёрный альбом", year=1990, duration_ms=400_000)
        assert await index.upsert(document)
        assert await index.get("t") == document
        assert await index.get("missing") is None

    async def test_stale_and_duplicate_versions_are_ignored(self, index: SearchIndex) -> None:
        v2 = SearchDocument(track_id="t", version=2, title="New title")
        assert await index.write([v2, SearchDocument(track_id="t", version=1, title="Old title"), v2]) == [
            True, False, False,
        ]  # fmt: skip
        await index.refresh()
        assert (await index.get("t")) == v2
        assert ids(await self.search(index, "old")) == []
        assert ids(await self.search(index, "new")) == ["t"]

    async def test_a_newer_version_replaces_every_term(self, index: SearchIndex) -> None:
        await index.upsert(SearchDocument(track_id="t", version=1, title="Alpha", artists=("Beta",), genre="Rock"))
        await index.upsert(SearchDocument(track_id="t", version=5, title="Gamma", artists=("Delta",), genre="Pop"))
        await index.refresh()
        assert ids(await self.search(index, "alpha")) == []
        assert ids(await self.search(index, "al")) == []  # the first keystrokes have their own index
        assert ranked(await self.search(index, "ga")) == [("t", 2.0)]
        assert ranked(await self.search(index, "d")) == [("t", 1.0)]
        assert ids(await self.search(index, "", genre="rock")) == []
        assert ids(await self.search(index, "delta", genre="pop")) == ["t"]

    async def test_delete_hides_and_holds_its_version(self, index: SearchIndex) -> None:
        await index.upsert(SearchDocument(track_id="t", version=3, title="Gone soon"))
        assert not await index.delete("t", 2)  # stale delete: the track stays
        assert await index.delete("t", 4)
        assert not await index.upsert(SearchDocument(track_id="t", version=4, title="Gone soon"))  # late replay
        await index.refresh()
        assert await index.get("t") is None
        assert ids(await self.search(index, "gone")) == []
        assert ids(await self.search(index, "go")) == []
        assert await index.upsert(SearchDocument(track_id="t", version=5, title="Back again"))
        await index.refresh()
        assert ids(await self.search(index, "again")) == ["t"]

    async def test_an_empty_write(self, index: SearchIndex) -> None:
        assert await index.write([]) == []

    async def test_removal_of_an_unknown_track_is_recorded(self, index: SearchIndex) -> None:
        assert await index.write([SearchRemoval(track_id="never", version=7)]) == [True]
        assert not await index.upsert(SearchDocument(track_id="never", version=6, title="Too late"))

    async def test_reset_forgets_documents_and_versions(self, catalog: SearchIndex) -> None:
        await catalog.reset()
        await catalog.refresh()
        assert (await self.search(catalog)).total == 0
        assert await catalog.upsert(doc("acdc-1", "Back in Black"))  # version 1 is new again

    # --- as-you-type, scripts, typos ----------------------------------------------------------

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            # 1-4 characters: prefixes; an exact word beats a prefix, title beats album; ties by title
            ("b", [("acdc-1", 2.0), ("beatles-2", 2.0), ("acdc-2", 2.0), ("beatles-1", 2.0), ("beyonce-2", 1.0),
                   ("beyonce-1", 1.0), ("yoasobi-1", 0.5)]),
            ("bl", [("acdc-1", 2.0), ("beatles-2", 2.0), ("acdc-2", 0.5)]),
            ("bla", [("acdc-1", 2.0), ("beatles-2", 2.0), ("acdc-2", 0.5)]),
            ("blac", [("acdc-1", 2.0), ("beatles-2", 2.0), ("acdc-2", 0.5)]),
            ("black", [("acdc-1", 4.0), ("beatles-2", 2.0), ("acdc-2", 1.0)]),
            # Cyrillic, with ё typed or not
            ("гр", [("kino-1", 2.0)]),
            ("груп", [("kino-1", 2.0)]),
            ("кино", [("kino-1", 2.0), ("kino-2", 2.0)]),
            ("ё", [("yolka-1", 1.0)]),
            ("ел", [("yolka-1", 1.0)]),
            ("елка", [("yolka-1", 2.0)]),
            ("ЁЛКА", [("yolka-1", 2.0)]),
            ("в", []),
            # CJK: prefixes, single characters, infixes
            ("東", [("jihen-1", 2.0)]),
            ("東京", [("jihen-1", 2.0)]),
            ("京事", [("jihen-1", 2.0)]),
            ("京事変", [("jihen-1", 1.0)]),
            ("群青", [("jihen-1", 4.0)]),
            ("夜に", [("yoasobi-1", 4.0)]),
            # accents folded both ways
            ("beyonce", [("beyonce-2", 2.0), ("beyonce-1", 2.0)]),
            ("BEYONCÉ", [("beyonce-2", 2.0), ("beyonce-1", 2.0)]),
            ("motorhead", [("motorhead-1", 2.0)]),
            ("motör", [("motorhead-1", 1.0)]),
            ("sigur ros", [("sigur-1", 4.0)]),
            ("hoppipolla", [("sigur-1", 4.0)]),
            # typos (Elasticsearch's fuzziness AUTO: 1 edit from 3 letters, 2 from 6; transpositions count 1)
            ("metalica", [("metallica-1", 0.5)]),
            ("metallca", [("metallica-1", 0.5)]),
            ("blakc", [("acdc-1", 1.0), ("acdc-2", 0.25)]),
            ("bey", [("beyonce-2", 1.0), ("beyonce-1", 1.0), ("beatles-1", 1.0)]),
            # punctuated names, several words, emoji
            ("acdc", [("acdc-1", 2.0), ("acdc-2", 2.0)]),
            ("AC/DC", [("acdc-1", 4.0), ("acdc-2", 4.0)]),
            ("jayz", [("beyonce-2", 2.0)]),
            ("drive night", [("emoji-1", 8.0)]),
            ("crazy bey", [("beyonce-2", 5.0)]),
            ("night 🚗", [("emoji-1", 4.0)]),
            ("🚗", []),
            ("kino", []),
            ("zzz", []),
        ],
    )  # fmt: skip
    async def test_ranking(self, catalog: SearchIndex, text: str, expected: list[tuple[str, float]]) -> None:
        page = await self.search(catalog, text)
        assert ranked(page) == expected
        assert page.total == len(expected)

    async def test_highlights_point_into_the_displayed_strings(self, catalog: SearchIndex) -> None:
        hit = (await self.search(catalog, "crazy bey")).hits[0]
        assert hit.highlights.title == ((0, 5),)  # "Crazy"
        assert hit.highlights.artists == (((0, 3),), ())  # "Bey" of Beyoncé, nothing in JAY-Z
        kino = (await self.search(catalog, "груп")).hits[0]
        assert kino.document.title[slice(*kino.highlights.title[0])] == "Груп"
        jihen = (await self.search(catalog, "京事")).hits[0]
        assert jihen.document.artists[0][slice(*jihen.highlights.artists[0][0])] == "京事"
        typo = (await self.search(catalog, "blakc")).hits[0]
        assert typo.highlights.title == ((8, 13),)  # the whole fuzzily matched word: "Black"

    async def test_browse_without_text_is_ordered_by_title(self, catalog: SearchIndex) -> None:
        page = await self.search(catalog, limit=4)
        assert page.total == 15  # the private track is hidden
        assert ids(page) == ["motorhead-1", "acdc-1", "beatles-2", "beyonce-2"]  # "ace of spades", "back in black", ...
        assert {hit.score for hit in page.hits} == {0.0}

    # --- filters, visibility, pagination --------------------------------------------------------

    @pytest.mark.parametrize(
        ("text", "filters", "expected"),
        [
            ("", {"genre": "rock"}, ["acdc-1", "beatles-2", "acdc-2", "beatles-1", "kino-1", "kino-2"]),
            ("", {"artist": "ac/dc"}, ["acdc-1", "acdc-2"]),
            ("", {"artist": "JAY-Z"}, ["beyonce-2"]),
            ("", {"artist": "кино"}, ["kino-1", "kino-2"]),
            ("", {"album": "Back in Black"}, ["acdc-1", "acdc-2"]),
            ("", {"album": "教育"}, ["jihen-1"]),
            ("b", {"year_from": 1970, "year_to": 1990}, ["acdc-1", "acdc-2", "beatles-1"]),
            ("", {"year_from": 2019}, ["emoji-1", "yoasobi-1"]),
            ("", {"year_to": 1968}, ["beatles-2"]),
            ("bl", {"genre": "Rock", "artist": "The Beatles"}, ["beatles-2"]),
            ("black", {"genre": "Rock"}, ["acdc-1", "beatles-2", "acdc-2"]),
            ("blakc", {"year_to": 1979}, []),
            ("crazy bey", {"genre": "R&B"}, ["beyonce-2"]),
            ("", {"genre": "polka"}, []),
        ],
    )
    async def test_filters(
        self, catalog: SearchIndex, text: str, filters: dict[str, object], expected: list[str]
    ) -> None:
        assert ids(await self.search(catalog, text, **filters)) == expected

    async def test_private_tracks_show_only_to_their_owner(self, catalog: SearchIndex) -> None:
        assert ids(await self.search(catalog, "black")) == ["acdc-1", "beatles-2", "acdc-2"]
        assert ids(await self.search(catalog, "black", viewer_id="bob")) == ["acdc-1", "beatles-2", "acdc-2"]
        assert ranked(await self.search(catalog, "black", viewer_id="alice")) == [
            ("acdc-1", 4.0), ("private-1", 4.0), ("beatles-2", 2.0), ("acdc-2", 1.0),
        ]  # fmt: skip

    async def test_first_keystrokes_page_filter_and_show_private_tracks_like_longer_queries(
        self, catalog: SearchIndex
    ) -> None:
        everything = ranked(await self.search(catalog, "b"))
        pages = [await self.search(catalog, "b", offset=offset, limit=3) for offset in range(0, 9, 3)]
        assert [hit for page in pages for hit in ranked(page)] == everything
        assert [(page.total, page.total_exact) for page in pages] == [(7, True)] * 3
        assert ranked(await self.search(catalog, "bl", viewer_id="alice")) == [
            ("acdc-1", 2.0),
            ("private-1", 2.0),
            ("beatles-2", 2.0),
            ("acdc-2", 0.5),
        ]  # fmt: skip  ("black demo" sorts between "back in black" and "blackbird")
        assert ids(await self.search(catalog, "b", genre="R&B")) == ["beyonce-2", "beyonce-1"]
        assert ids(await self.search(catalog, "me", artist="Metallica", year_from=1991)) == ["metallica-1"]

    @pytest.mark.parametrize("text", ["l", "lo", "loop"])  # the short-prefix path and the general one
    async def test_totals_are_counted_up_to_the_cap(self, index: SearchIndex, text: str) -> None:
        loops = [doc(f"loop-{n:04d}", f"Loop {n}", genre="Rock" if n < SEARCH_TOTAL_CAP else "Pop")
                 for n in range(SEARCH_TOTAL_CAP + 1)]  # fmt: skip
        assert await index.write(loops) == [True] * len(loops)
        await index.refresh()
        first = await self.search(index, text)
        by_title = sorted(loops, key=lambda track: (f"loop {track.track_id[5:].lstrip('0') or '0'}", track.track_id))
        assert ids(first) == [track.track_id for track in by_title[:20]]
        assert (first.total, first.total_exact) == (SEARCH_TOTAL_CAP, False)
        last = await self.search(index, text, offset=SEARCH_TOTAL_CAP - 10, limit=20)
        assert (len(last.hits), last.total, last.total_exact) == (11, SEARCH_TOTAL_CAP, False)
        rock = await self.search(index, text, genre="rock", limit=1)
        assert (rock.total, rock.total_exact) == (SEARCH_TOTAL_CAP, True)
        pop = await self.search(index, text, genre="pop")
        assert (ids(pop), pop.total, pop.total_exact) == ([f"loop-{SEARCH_TOTAL_CAP:04d}"], 1, True)

    async def test_pages_partition_the_results(self, catalog: SearchIndex) -> None:
        everything = ids(await self.search(catalog, "", limit=100))
        pages = [await self.search(catalog, "", offset=offset, limit=4) for offset in range(0, 16, 4)]
        assert [track for page in pages for track in ids(page)] == everything
        assert {page.total for page in pages} == {15}
        past_the_end = await self.search(catalog, "b", offset=50, limit=5)
        assert (past_the_end.total, past_the_end.hits) == (7, ())
        middle = await self.search(catalog, "bl", genre="Rock", offset=1, limit=2)
        assert (middle.total, ranked(middle)) == (3, [("beatles-2", 2.0), ("acdc-2", 0.5)])
