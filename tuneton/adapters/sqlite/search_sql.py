"""SQL for the SQLite search index: schema, FTS5 match expressions and the ranked query.

FTS5 serves only as an inverted index over the terms :func:`tuneton.media.search_text.analyse`
produced (``ascii`` tokenizer: our terms contain no ASCII punctuation, so every space-separated term
stays one token, whatever its script). Ranking is not FTS5's bm25: each (term, field, match kind)
is one ``MATCH`` whose rows score field weight x match factor; the best per term is kept and the
terms are summed — the same arithmetic as the Elasticsearch adapter's ``constant_score``/``dis_max``.
"""

from __future__ import annotations

from typing import Any

from tuneton.catalog_values import SearchQuery
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
)
DROP = ("search_vocab", "search_fts", "search_artist_keys", "search_docs", "search_meta")


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

    With no clauses (empty text) every visible document matches with score 0 (browse).
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
    for index, term_clauses_ in enumerate(clauses):
        for expression, score in term_clauses_:
            selects.append(f"SELECT rowid AS doc, {index} AS term, ? AS score FROM search_fts WHERE search_fts MATCH ?")
            match_params += [score, expression]
    sql = (
        f"WITH matched AS ({' UNION ALL '.join(selects)}), "
        "best AS (SELECT doc, term, max(score) AS score FROM matched GROUP BY doc, term), "
        "scored AS (SELECT doc, sum(score) AS score FROM best GROUP BY doc HAVING count(*) = ?) "
        "SELECT d.track_id, d.version, d.body, s.score, count(*) OVER () AS total "
        f"FROM scored s JOIN search_docs d ON d.id = s.doc WHERE {where} "
        "ORDER BY s.score DESC, d.sort_key, d.track_id LIMIT ? OFFSET ?"
    )
    return sql, [*match_params, len(clauses), *params, query.limit, query.offset]


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
