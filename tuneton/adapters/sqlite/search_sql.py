"""SQL for the SQLite search index: schema, FTS5 match expressions and the ranked query.

FTS5 serves only as an inverted index over the terms :func:`tuneton.media.search_text.analyse`
produced (``ascii`` tokenizer: our terms contain no ASCII punctuation, so every space-separated term
stays one token, whatever its script). Ranking is not FTS5's bm25: each (term, field, match kind)
is one ``MATCH`` whose rows score field weight x match factor; the best per term is kept and the
terms are summed — the same arithmetic as the Elasticsearch adapter's ``constant_score``/``dis_max``.

The first keystrokes (one term of one or two characters) match a large part of the catalog, and
scoring, joining and sorting all of it is what made them slow. ``search_short`` holds, per such term
and track, the score :func:`tuneton.media.search_match.short_term_scores` computed at write time, keyed
in ranking order: a page is an index range scan that stops after ``offset + limit`` visible rows.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from typing import Any

from tuneton.catalog_values import SEARCH_TOTAL_CAP, SearchQuery
from tuneton.media.search_text import FIELD_WEIGHTS, MATCH_FACTORS, QueryTerm, filter_key

FTS_COLUMNS = ("title_terms", "title_prefixes", "artist_terms", "artist_prefixes", "album_terms", "album_prefixes")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS search_docs (
        id INTEGER PRIMARY KEY,
        track_id TEXT NOT NULL UNIQUE,
        version INTEGER NOT NULL,
        removed INTEGER NOT NULL,
        public INTEGER NOT NULL DEFAULT 1,
        owner_id TEXT,
        body TEXT,
        year INTEGER,
        album_key TEXT,
        genre_key TEXT,
        sort_key TEXT NOT NULL DEFAULT '')""",
    "CREATE INDEX IF NOT EXISTS search_docs_browse ON search_docs (removed, sort_key, track_id)",
    "CREATE INDEX IF NOT EXISTS search_docs_album ON search_docs (album_key)",
    "CREATE INDEX IF NOT EXISTS search_docs_genre ON search_docs (genre_key)",
    "CREATE INDEX IF NOT EXISTS search_docs_year ON search_docs (year)",
    """CREATE TABLE IF NOT EXISTS search_artist_keys (
        artist_key TEXT NOT NULL, doc INTEGER NOT NULL, PRIMARY KEY (artist_key, doc)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS search_artist_keys_doc ON search_artist_keys (doc)",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(
        {", ".join(FTS_COLUMNS)}, tokenize = 'ascii', detail = column)""",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'col')",
    "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS search_short (
        term TEXT NOT NULL, score REAL NOT NULL, sort_key TEXT NOT NULL, track_id TEXT NOT NULL, doc INTEGER NOT NULL,
        PRIMARY KEY (term, score DESC, sort_key, track_id)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS search_short_doc ON search_short (doc)",
)
DROP = ("search_vocab", "search_fts", "search_artist_keys", "search_short", "search_docs", "search_meta")
SCHEMA_VERSION = 2  # 2: search_short; an older file is migrated on start (see SqliteSearchIndex)


def phrase(term: str) -> str:
    """An FTS5 string literal (terms never hold quotes, but escape as the grammar requires)."""
    return '"' + term.replace('"', '""') + '"'


def term_clauses(term: QueryTerm, expansions: dict[str, list[str]]) -> list[tuple[str, float]]:
    """(FTS5 MATCH expression, score) for every way ``term`` can match; ``expansions`` per terms column."""
    clauses: list[tuple[str, float]] = []
    for field, weight in FIELD_WEIGHTS.items():
        terms_column, prefixes_column = f"{field}_terms", f"{field}_prefixes"
        clauses.append((f"{terms_column} : {phrase(term.text)}", weight * MATCH_FACTORS["exact"]))
        clauses.append((f"{prefixes_column} : {phrase(term.prefix)}", weight * MATCH_FACTORS["prefix"]))
        if term.bigrams:
            every = " AND ".join(phrase(bigram) for bigram in term.bigrams)
            clauses.append((f"{terms_column} : ({every})", weight * MATCH_FACTORS["infix"]))
        if expansions.get(terms_column):
            some = " OR ".join(phrase(candidate) for candidate in expansions[terms_column])
            clauses.append((f"{terms_column} : ({some})", weight * MATCH_FACTORS["fuzzy"]))
    return clauses


def ranked_query(query: SearchQuery, clauses: list[list[tuple[str, float]]]) -> tuple[str, list[Any]]:
    """One page of hits with their score and the total: SQL and its parameters.

    With no clauses (empty text) every visible document matches with score 0 (browse). The matches
    are ranked on narrow rows (id, score, sort key); only the page's rows fetch their ``body``. With
    several terms, one ``MATCH`` of every term's clauses ORed, the terms ANDed, finds the documents
    matching them all first, so only those are scored (two common words match thousands each).
    """
    where, params = _filters(query)
    if not clauses:
        sql = (
            "SELECT d.track_id, d.version, d.body, 0.0 AS score, count(*) OVER () AS total FROM search_docs d "
            f"WHERE {where} ORDER BY d.sort_key, d.track_id LIMIT ? OFFSET ?"
        )
        return sql, [*params, query.limit, query.offset]
    selects: list[str] = []
    match_params: list[Any] = []
    every_term = _all_terms(clauses)
    candidates = "" if len(clauses) == 1 else " AND +rowid IN (SELECT doc FROM candidates)"
    for index, term_clauses_ in enumerate(clauses):
        for expression, score in term_clauses_:
            selects.append(
                f"SELECT rowid AS doc, {index} AS term, ? AS score FROM search_fts WHERE search_fts MATCH ?{candidates}"
            )
            match_params += [score, expression]
    scored = (  # one term: its best clause; several: each term's best, summed, for documents matching all
        "SELECT doc, max(score) AS score FROM matched GROUP BY doc"
        if len(clauses) == 1
        else "SELECT doc, sum(score) AS score FROM (SELECT doc, term, max(score) AS score FROM matched "
        f"GROUP BY doc, term) GROUP BY doc HAVING count(*) = {len(clauses)}"
    )
    prefilter = (
        "" if len(clauses) == 1 else "candidates AS (SELECT rowid AS doc FROM search_fts WHERE search_fts MATCH ?), "
    )
    sql = (
        f"WITH {prefilter}matched AS ({' UNION ALL '.join(selects)}), scored AS ({scored}), "
        "page AS (SELECT d.id, s.score, d.sort_key, d.track_id, count(*) OVER () AS total "
        f"FROM scored s JOIN search_docs d ON d.id = s.doc WHERE {where} "
        "ORDER BY s.score DESC, d.sort_key, d.track_id LIMIT ? OFFSET ?) "
        "SELECT p.track_id, d.version, d.body, p.score, p.total FROM page p JOIN search_docs d ON d.id = p.id "
        "ORDER BY p.score DESC, p.sort_key, p.track_id"
    )
    first = [] if len(clauses) == 1 else [every_term]
    return sql, [*first, *match_params, *params, query.limit, query.offset]


def score_tiers(clauses: list[tuple[str, float]]) -> list[tuple[float, str, str | None]]:
    """A term's clauses as ``(score, MATCH of the clauses worth it, MATCH of those worth more)``.

    Best first. A document's score for a term is its best clause's, so a tier holds the documents
    matching one of its clauses and none worth more. The top tier needs no exclusion.
    """
    values = sorted({score for _, score in clauses}, reverse=True)
    return [
        (value, _any(e for e, s in clauses if s == value), _any(e for e, s in clauses if s > value) or None)
        for value in values
    ]


Tier = tuple[float, str, str | None]
Combination = tuple[Tier, ...]  # one tier per query term: the documents in each of them


def summed_tiers(clauses: list[list[tuple[str, float]]]) -> list[tuple[float, list[Combination]]]:
    """Every way to pick one :func:`score_tiers` tier per term, grouped by the summed score, best first.

    A document's score is the sum of its best clause per term, so it lies in exactly one combination
    of tiers, and the combinations of one sum hold the documents of that score. Walking the groups in
    order, each group's documents by title, yields the ranking without scoring, grouping and sorting
    every match: "love" alone matches 3,000 of 50,000 tracks, "love night" 750, and a page needs 20.
    """
    groups: dict[float, list[Combination]] = {}
    for combination in itertools.product(*(score_tiers(term) for term in clauses)):
        groups.setdefault(sum(tier[0] for tier in combination), []).append(combination)
    return sorted(groups.items(), key=lambda group: -group[0])


def combination_count(clauses: list[list[tuple[str, float]]]) -> int:
    """How many tier combinations :func:`summed_tiers` would walk (one query each, at worst)."""
    return math.prod(len({score for _, score in term}) for term in clauses)


def tier_count(combination: Combination) -> tuple[str, list[Any]]:
    """How many documents (visible or not) lie in a tier combination: the choice of :func:`tier_query`'s plan."""
    higher = [tier[2] for tier in combination if tier[2] is not None]
    excluded = "".join(" AND +rowid NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)" for _ in higher)
    return f"SELECT count(*) FROM search_fts WHERE search_fts MATCH ?{excluded}", [_every(combination), *higher]


def tier_query(
    query: SearchQuery,
    combination: Combination,
    limit: int,
    *,
    walk: bool = False,
    until: tuple[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """The first ``limit`` visible documents of a tier combination, by title: ``(id, sort_key, track_id)``.

    One ``MATCH`` holds every term's tier (ANDed); the better tiers are excluded one subquery each
    (FTS5's own ``NOT`` inside the ``MATCH`` ran for minutes). Two plans (see :func:`walk_budget`):

    * ``walk``: read the visible documents in title order (``search_docs_browse``), no further than
      the title key ``until``, and keep those in the tier. A tier of 2,000 of 50,000 tracks spread
      over the alphabet is found in ~500 rows (timed once by hand: 0.6 ms, where sorting the whole
      tier by title took 3.7 ms). The unary ``+`` stops SQLite from driving the query by the tier's ids instead. Fewer
      than ``limit`` rows from a walk stopped at ``until`` prove nothing: the caller then sorts.
    * otherwise: the tier's documents first, sorted by title. ``CROSS JOIN`` keeps the ``MATCH`` the
      outer loop, or SQLite would walk every document in title order and run the full-text query
      once per row.
    """
    where, params = _filters(query)
    higher = [tier[2] for tier in combination if tier[2] is not None]
    excluded = "".join(" AND d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?)" for _ in higher)
    order = f"{excluded} AND {where} ORDER BY d.sort_key, d.track_id LIMIT ?"
    if walk:
        bounded = "" if until is None else " AND (d.sort_key, d.track_id) <= (?, ?)"
        sql = (
            "SELECT d.id, d.sort_key, d.track_id FROM search_docs d "
            f"WHERE +d.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ?){bounded}{order}"
        )
        return sql, [_every(combination), *(until or ()), *higher, *params, limit]
    sql = (
        "SELECT d.id, d.sort_key, d.track_id FROM search_fts CROSS JOIN search_docs d "
        f"ON d.id = search_fts.rowid WHERE search_fts MATCH ?{order}"
    )
    return sql, [_every(combination), *higher, *params, limit]


# The title key of the n-th live document (the parameter): where a walk of n rows stops.
WALK_END = "SELECT sort_key, track_id FROM search_docs WHERE removed = 0 ORDER BY sort_key, track_id LIMIT 1 OFFSET ?"


WALK_SLACK = 4  # a walk may read this many times the rows an evenly spread tier needs before giving up


def walk_budget(tier_size: int, wanted: int, documents: int) -> int | None:
    """How many titles :func:`tier_query` may walk, or None when sorting the tier costs less.

    An evenly spread tier of ``tier_size`` among ``documents`` yields ``wanted`` hits in about
    ``wanted x documents / tier_size`` rows; sorting costs ``tier_size`` row lookups. Real tiers
    cluster (Cyrillic titles sort after Latin ones), so the walk gets :data:`WALK_SLACK` times that,
    and a walk that runs out costs at most that on top of the sort.
    """
    expected = wanted * documents // max(tier_size, 1)
    return WALK_SLACK * expected if expected < tier_size else None


def _every(combination: Combination) -> str:
    return " AND ".join(f"({tier[1]})" for tier in combination)


def any_count(query: SearchQuery, clauses: list[list[tuple[str, float]]]) -> tuple[str, list[Any]]:
    """How many visible documents match every term (any of its clauses), counting no further than the cap + 1."""
    where, params = _filters(query)
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid "
        f"WHERE search_fts MATCH ? AND {where} LIMIT ?)"
    )
    return sql, [_all_terms(clauses), *params, SEARCH_TOTAL_CAP + 1]


def bodies(count: int) -> str:
    """``(id, track_id, version, body)`` of ``count`` documents by id."""
    return f"SELECT id, track_id, version, body FROM search_docs WHERE id IN ({', '.join('?' * count)})"


def _all_terms(clauses: list[list[tuple[str, float]]]) -> str:
    """One ``MATCH`` of the documents matching every term (any of its clauses)."""
    return " AND ".join(f"({_any(e for e, _ in term)})" for term in clauses)


def _any(expressions: Iterable[str]) -> str:
    return " OR ".join(f"({expression})" for expression in expressions)


def short_query(query: SearchQuery, term: str) -> tuple[str, list[Any]]:
    """One page of a :func:`~tuneton.media.search_match.short_term` query, in ranked order from ``search_short``."""
    where, params = _filters(query)
    sql = (
        "SELECT d.track_id, d.version, d.body, s.score FROM search_short s CROSS JOIN search_docs d ON d.id = s.doc "
        f"WHERE s.term = ? AND {where} ORDER BY s.score DESC, s.sort_key, s.track_id LIMIT ? OFFSET ?"
    )
    return sql, [term, *params, query.limit, query.offset]


def short_count(query: SearchQuery, term: str) -> tuple[str, list[Any]]:
    """How many visible tracks a short-term query matches, counting no further than the cap + 1.

    ``CROSS JOIN`` keeps the term's range the outer loop; SQLite chose to walk every live document
    through ``search_docs_browse`` instead (115 ms for "a" filtered by years, 6 ms this way).
    """
    where, params = _filters(query)
    sql = (
        "SELECT count(*) FROM (SELECT 1 FROM search_short s CROSS JOIN search_docs d ON d.id = s.doc "
        f"WHERE s.term = ? AND {where} LIMIT ?)"
    )
    return sql, [term, *params, SEARCH_TOTAL_CAP + 1]


def _filters(query: SearchQuery) -> tuple[str, list[Any]]:
    conditions = ["d.removed = 0"]
    params: list[Any] = []
    if query.viewer_id is None:
        conditions.append("d.public = 1")
    else:
        conditions.append("(d.public = 1 OR d.owner_id = ?)")
        params.append(query.viewer_id)
    if query.artist is not None:
        conditions.append("d.id IN (SELECT doc FROM search_artist_keys WHERE artist_key = ?)")
        params.append(filter_key(query.artist))
    for column, value in (("album_key", query.album), ("genre_key", query.genre)):
        if value is not None:
            conditions.append(f"d.{column} = ?")
            params.append(filter_key(value))
    if query.year_from is not None:
        conditions.append("d.year >= ?")
        params.append(query.year_from)
    if query.year_to is not None:
        conditions.append("d.year <= ?")
        params.append(query.year_to)
    return " AND ".join(conditions), params
