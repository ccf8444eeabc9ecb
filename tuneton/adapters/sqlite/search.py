"""SearchIndex on SQLite FTS5 for the embedded runtime: same terms, same scores, same order as Elasticsearch.

Documents and their versions live in ``search_docs`` (a removal keeps its row as a tombstone so a
late, older upsert stays stale); the analysed terms in an FTS5 table keyed by the same row id.
Typo tolerance mirrors Elasticsearch's fuzzy rewrite: the query term is compared with the column's
vocabulary (``fts5vocab``) by optimal-string-alignment distance (rapidfuzz), and the best 50
candidates join the ``MATCH``. The vocabulary is cached per column and reloaded only after a write.
One- and two-character queries read ``search_short`` instead (see :mod:`.search_sql`); a file made
before that table existed gets it filled from its live documents on :meth:`SqliteSearchIndex.start`.
SQLite calls run in a worker thread under a lock, so a long query never stalls the event loop.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from tuneton.adapters.embedded.database import connect
from tuneton.adapters.sqlite.search_sql import (
    DROP,
    FTS_COLUMNS,
    SCHEMA,
    SCHEMA_VERSION,
    WALK_END,
    Combination,
    any_count,
    bodies,
    combination_count,
    ranked_query,
    short_count,
    short_query,
    summed_tiers,
    term_clauses,
    tier_count,
    tier_query,
    walk_budget,
)
from tuneton.catalog_values import IndexChange, SearchDocument, SearchHit, SearchPage, SearchQuery
from tuneton.media.search_match import document_highlights, fuzzy_expansions, short_term, short_term_scores
from tuneton.media.search_text import ANALYSIS_VERSION, AnalysedFields, QueryTerm, analyse, query_terms
from tuneton.ports import SearchIndex

T = TypeVar("T")
MAX_TIER_COMBINATIONS = 32  # two terms make at most 25; three or more may make more than a walk is worth


class SqliteSearchIndex(SearchIndex):
    """Tracks in ``<data_dir>/search.db``."""

    def __init__(self, path: Path, *, synchronous: str = "NORMAL") -> None:
        self._path = path
        self._synchronous = synchronous
        self._conn: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._vocabulary: dict[str, list[str]] | None = None
        self._vocabulary_version: int | None = None

    async def start(self, *, rebuilding: bool = False) -> None:
        """Open the file, create the schema, refuse an index built by other analysis rules (or, when
        ``rebuilding``, drop it and start empty)."""
        if self._conn is None:
            self._conn = connect(self._path, synchronous=self._synchronous)
            try:
                await self._run(self._drop_and_create if rebuilding else self._create)
            except BaseException:
                await self.close()  # not started: a later start checks again
                raise

    async def close(self) -> None:
        """Close the file."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def write(self, changes: Sequence[IndexChange]) -> list[bool]:
        """One transaction; a change whose version is not above the stored one is skipped as stale."""
        return await self._run(self._write, changes)

    async def get(self, track_id: str) -> SearchDocument | None:
        """The live document, None when absent or removed."""
        row = await self._run(
            lambda db: db.execute(
                "SELECT version, body FROM search_docs WHERE track_id = ? AND removed = 0", (track_id,)
            ).fetchone()
        )
        return None if row is None else _document(track_id, row[0], row[1])

    async def search(self, query: SearchQuery) -> SearchPage:
        """Ranked page of matches; text that analyses to no term matches nothing."""
        terms = query_terms(query.text)
        if query.text.strip() and not terms:
            return SearchPage(total=0, hits=())
        return await self._run(self._search, query, terms)

    async def refresh(self) -> None:
        """Nothing to do: a committed write is searchable at once."""

    async def reset(self) -> None:
        """Drop and recreate every table."""
        await self._run(self._drop_and_create)

    def _drop_and_create(self, db: sqlite3.Connection) -> None:
        for table in DROP:
            db.execute(f"DROP TABLE IF EXISTS {table}")
        self._create(db)

    async def _run(self, work: Callable[..., T], *args: Any) -> T:
        if self._conn is None:
            raise RuntimeError("search index not started")
        conn = self._conn

        def locked() -> T:
            with self._lock:
                return work(conn, *args)

        return await asyncio.to_thread(locked)

    def _create(self, db: sqlite3.Connection) -> None:
        for statement in SCHEMA:
            db.execute(statement)
        db.execute("INSERT OR IGNORE INTO search_meta VALUES ('analysis_version', ?)", (str(ANALYSIS_VERSION),))
        found = db.execute("SELECT value FROM search_meta WHERE key = 'analysis_version'").fetchone()[0]
        if found != str(ANALYSIS_VERSION):
            raise RuntimeError(f"{self._path} uses analysis version {found}, not {ANALYSIS_VERSION}: rebuild it")
        self._migrate(db)
        self._vocabulary = None

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        """Bring a file from schema 1 (no ``search_short``) to :data:`SCHEMA_VERSION`, in one transaction.

        A new file has no documents, so it only records the version; an old one fills ``search_short``
        from its live documents' bodies, which hold every field the short terms come from.
        """
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM search_meta WHERE key = 'schema_version'").fetchone()
            if row is None or int(row[0]) < SCHEMA_VERSION:
                db.execute("DELETE FROM search_short")
                for doc_id, track_id, body in db.execute(
                    "SELECT id, track_id, body FROM search_docs WHERE removed = 0"
                ).fetchall():
                    document = _document(track_id, 0, body)
                    fields = analyse(title=document.title, artists=document.artists, album=document.album,
                                     genre=document.genre)  # fmt: skip
                    _insert_short(db, doc_id, track_id, fields)
                db.execute("INSERT OR REPLACE INTO search_meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _write(self, db: sqlite3.Connection, changes: Sequence[IndexChange]) -> list[bool]:
        applied: list[bool] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            for change in changes:
                applied.append(self._apply(db, change))
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
        if any(applied):
            self._vocabulary = None
        return applied

    @staticmethod
    def _apply(db: sqlite3.Connection, change: IndexChange) -> bool:
        row = db.execute("SELECT id, version FROM search_docs WHERE track_id = ?", (change.track_id,)).fetchone()
        if row is not None and row[1] >= change.version:
            return False
        if row is not None:
            db.execute("DELETE FROM search_fts WHERE rowid = ?", (row[0],))
            db.execute("DELETE FROM search_artist_keys WHERE doc = ?", (row[0],))
            db.execute("DELETE FROM search_short WHERE doc = ?", (row[0],))
            db.execute("DELETE FROM search_docs WHERE id = ?", (row[0],))
        if not isinstance(change, SearchDocument):
            tombstone = (change.track_id, change.version)
            db.execute("INSERT INTO search_docs (track_id, version, removed) VALUES (?, ?, 1)", tombstone)
            return True
        fields = analyse(title=change.title, artists=change.artists, album=change.album, genre=change.genre)
        doc_id = db.execute(
            "INSERT INTO search_docs (track_id, version, removed, public, owner_id, body, year, album_key, genre_key,"
            " sort_key) VALUES (?, ?, 0, ?, ?, ?, ?, ?, ?, ?)",
            (change.track_id, change.version, int(change.public), change.owner_id, _body(change), change.year,
             fields.album_key, fields.genre_key, fields.sort_key),
        ).lastrowid  # fmt: skip
        columns = [" ".join(getattr(fields, column)) for column in FTS_COLUMNS]
        db.execute(f"INSERT INTO search_fts (rowid, {', '.join(FTS_COLUMNS)}) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (doc_id, *columns))  # fmt: skip
        db.executemany("INSERT INTO search_artist_keys VALUES (?, ?)", [(key, doc_id) for key in fields.artist_keys])
        _insert_short(db, doc_id, change.track_id, fields)
        return True

    def _search(self, db: sqlite3.Connection, query: SearchQuery, terms: list[QueryTerm]) -> SearchPage:
        short = short_term(terms)
        if short is not None:
            return self._search_short(db, query, short, terms)
        vocabulary = self._vocab(db) if any(term.edits for term in terms) else {}
        clauses = [
            term_clauses(term, {column: fuzzy_expansions(term, words) for column, words in vocabulary.items()})
            for term in terms
        ]
        # One pass instead when a filter may leave the best tiers empty, or the terms make too many combinations
        if clauses and not _filtered(query) and combination_count(clauses) <= MAX_TIER_COMBINATIONS:
            return self._search_tiered(db, query, clauses, terms)
        sql, params = ranked_query(query, clauses)
        rows = db.execute(sql, params).fetchall()
        if not rows and query.offset:  # past the last page: still report the total
            sql, params = ranked_query(SearchQuery(**{**vars(query), "offset": 0, "limit": 1}), clauses)
            first = db.execute(sql, params).fetchone()
            return SearchPage.counted(0 if first is None else int(first[4]), ())
        return SearchPage.counted(int(rows[0][4]) if rows else 0, _hits([row[:4] for row in rows], terms))

    @staticmethod
    def _search_tiered(
        db: sqlite3.Connection, query: SearchQuery, clauses: list[list[tuple[str, float]]], terms: list[QueryTerm]
    ) -> SearchPage:
        """Walk the summed score tiers best first until ``offset + limit`` documents are found.

        The combinations of one sum are disjoint (a document has one best tier per term), so their
        title-ordered heads merge into that score's head.
        """
        wanted = query.offset + query.limit
        documents = db.execute("SELECT max(id) FROM search_docs").fetchone()[0] or 0  # an upper bound: ids only grow
        ranked: list[tuple[int, float]] = []
        exhausted = True  # every tier read to its end: the total is len(ranked)
        for value, combinations in summed_tiers(clauses):
            heads: list[tuple[str, str, int]] = []
            for combination in combinations:
                size = int(db.execute(*tier_count(combination)).fetchone()[0])
                if size == 0:
                    continue
                limit = wanted - len(ranked)
                heads += _tier_head(db, query, combination, limit, walk_budget(size, limit, documents))
            heads.sort()
            ranked += [(doc, value) for _, _, doc in heads[: wanted - len(ranked)]]
            if len(ranked) >= wanted:
                exhausted = False
                break
        if exhausted:
            matches = len(ranked)
        else:
            sql, params = any_count(query, clauses)
            matches = int(db.execute(sql, params).fetchone()[0])
        page = ranked[query.offset :]
        shown = {row[0]: row[1:] for row in db.execute(bodies(len(page)), [doc for doc, _ in page])}
        return SearchPage.counted(matches, _hits([(*shown[doc], score) for doc, score in page], terms))

    @staticmethod
    def _search_short(db: sqlite3.Connection, query: SearchQuery, term: str, terms: list[QueryTerm]) -> SearchPage:
        sql, params = short_query(query, term)
        rows = db.execute(sql, params).fetchall()
        if len(rows) < query.limit and (rows or not query.offset):  # the last page: the total is known
            matches = query.offset + len(rows)
        else:
            sql, params = short_count(query, term)
            matches = int(db.execute(sql, params).fetchone()[0])
        return SearchPage.counted(matches, _hits(rows, terms))

    def _vocab(self, db: sqlite3.Connection) -> dict[str, list[str]]:
        """The cached vocabulary; read again after a write here or a commit by another process (the
        embedded worker indexes while the serving process searches), which ``data_version`` shows."""
        version = int(db.execute("PRAGMA data_version").fetchone()[0])
        if version != self._vocabulary_version:
            self._vocabulary, self._vocabulary_version = None, version
        if self._vocabulary is None:
            vocabulary: dict[str, list[str]] = {column: [] for column in FTS_COLUMNS if column.endswith("_terms")}
            for term, column in db.execute("SELECT term, col FROM search_vocab WHERE col LIKE '%\\_terms' ESCAPE '\\'"):
                vocabulary[column].append(term)
            self._vocabulary = vocabulary
        return self._vocabulary


def _tier_head(
    db: sqlite3.Connection, query: SearchQuery, combination: Combination, limit: int, walk: int | None
) -> list[tuple[str, str, int]]:
    """The first ``limit`` documents of a tier combination as ``(sort_key, track_id, id)``: walked, when
    ``walk`` titles are worth reading and hold them all, else sorted."""
    if walk is not None:
        until = db.execute(WALK_END, (walk,)).fetchone()  # None: fewer documents, the walk reads them all
        sql, params = tier_query(query, combination, limit, walk=True, until=until)
        head = [(sort_key, track_id, doc) for doc, sort_key, track_id in db.execute(sql, params)]
        if len(head) == limit or until is None:
            return head
    sql, params = tier_query(query, combination, limit)
    return [(sort_key, track_id, doc) for doc, sort_key, track_id in db.execute(sql, params)]


def _filtered(query: SearchQuery) -> bool:
    return any(value is not None for value in (query.artist, query.album, query.genre, query.year_from, query.year_to))


def _insert_short(db: sqlite3.Connection, doc_id: int | None, track_id: str, fields: AnalysedFields) -> None:
    rows = [(term, score, fields.sort_key, track_id, doc_id) for term, score in short_term_scores(fields).items()]
    db.executemany("INSERT INTO search_short VALUES (?, ?, ?, ?, ?)", rows)


def _hits(rows: Sequence[tuple[str, int, str, float]], terms: list[QueryTerm]) -> tuple[SearchHit, ...]:
    """Hits of ``(track_id, version, body, score)`` rows, highlighted (only the page's rows reach here)."""
    hits = []
    for track_id, version, body, score in rows:
        document = _document(track_id, version, body)
        hits.append(SearchHit(document=document, score=float(score), highlights=document_highlights(document, terms)))
    return tuple(hits)


def _body(document: SearchDocument) -> str:
    shown = {"title": document.title, "artists": list(document.artists), "album": document.album,
             "genre": document.genre, "year": document.year, "owner_id": document.owner_id,
             "public": document.public, "duration_ms": document.duration_ms}  # fmt: skip
    return json.dumps(shown, ensure_ascii=False)


def _document(track_id: str, version: int, body: str) -> SearchDocument:
    shown = json.loads(body)
    return SearchDocument(track_id=track_id, version=version, **{**shown, "artists": tuple(shown["artists"])})
