"""Elasticsearch query DSL for a :class:`~tuneton.catalog_values.SearchQuery`, and documents to index.

Scores must equal the SQLite adapter's to the last bit, so no clause scores by BM25: every match is a
``constant_score`` worth field weight x match factor, ``dis_max`` keeps each query term's best
match, and the ``bool`` sums the terms. Sorting by score, then ``sort_key``, then ``track_id`` makes
the order total and identical on both engines.
"""

from __future__ import annotations

from typing import Any

from tuneton.catalog_values import SEARCH_TOTAL_CAP, SearchDocument, SearchQuery
from tuneton.media.search_text import (
    FIELD_WEIGHTS,
    FUZZY_MAX_EXPANSIONS,
    MATCH_FACTORS,
    QueryTerm,
    analyse,
    filter_key,
)

FIELDS = {"title": "title", "artist": "artist", "album": "album"}
SORT = [{"_score": {"order": "desc"}}, {"sort_key": {"order": "asc"}}, {"track_id": {"order": "asc"}}]


def document_body(document: SearchDocument) -> dict[str, Any]:
    """The stored document: display fields in ``_source`` plus the analysed terms."""
    analysed = analyse(title=document.title, artists=document.artists, album=document.album, genre=document.genre)
    return {
        "track_id": document.track_id,
        "removed": False,
        "public": document.public,
        "owner_id": document.owner_id,
        "title": document.title,
        "artists": list(document.artists),
        "album": document.album,
        "genre": document.genre,
        "year": document.year,
        "duration_ms": document.duration_ms,
        **vars(analysed),
    }


def tombstone_body(track_id: str) -> dict[str, Any]:
    """What a removed track leaves behind: enough to hold its version against late upserts."""
    return {"track_id": track_id, "removed": True}


def search_body(query: SearchQuery, terms: list[QueryTerm]) -> dict[str, Any]:
    """The ``_search`` request body for one page of ``query``."""
    return {
        "query": {"bool": {"must": [_term_query(term) for term in terms], "filter": _filters(query)}},
        "sort": SORT,
        "track_scores": True,
        "track_total_hits": SEARCH_TOTAL_CAP,
        "version": True,
        "from": query.offset,
        "size": query.limit,
        "_source": ["track_id", "title", "artists", "album", "genre", "year", "owner_id", "public", "duration_ms"],
    }


def _term_query(term: QueryTerm) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for field, weight in FIELD_WEIGHTS.items():
        terms_field, prefixes_field = f"{FIELDS[field]}_terms", f"{FIELDS[field]}_prefixes"
        clauses.append(_constant({"term": {terms_field: term.text}}, weight * MATCH_FACTORS["exact"]))
        clauses.append(_constant({"term": {prefixes_field: term.prefix}}, weight * MATCH_FACTORS["prefix"]))
        if term.bigrams:
            every = {"bool": {"filter": [{"term": {terms_field: bigram}} for bigram in term.bigrams]}}
            clauses.append(_constant(every, weight * MATCH_FACTORS["infix"]))
        if term.edits:
            fuzzy = {
                "value": term.text,
                "fuzziness": term.edits,
                "prefix_length": 0,
                "max_expansions": FUZZY_MAX_EXPANSIONS,
                "transpositions": True,
            }
            clauses.append(_constant({"fuzzy": {terms_field: fuzzy}}, weight * MATCH_FACTORS["fuzzy"]))
    return {"dis_max": {"queries": clauses, "tie_breaker": 0.0}}


def _constant(filter_clause: dict[str, Any], boost: float) -> dict[str, Any]:
    return {"constant_score": {"filter": filter_clause, "boost": boost}}


def _filters(query: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = [{"term": {"removed": False}}]
    visible: list[dict[str, Any]] = [{"term": {"public": True}}]
    if query.viewer_id is not None:
        visible.append({"term": {"owner_id": query.viewer_id}})
    filters.append({"bool": {"should": visible, "minimum_should_match": 1}})
    for field, value in (("artist_keys", query.artist), ("album_key", query.album), ("genre_key", query.genre)):
        if value is not None:
            filters.append({"term": {field: filter_key(value)}})
    if query.year_from is not None or query.year_to is not None:
        bounds = {"gte": query.year_from, "lte": query.year_to}
        filters.append({"range": {"year": {op: year for op, year in bounds.items() if year is not None}}})
    return filters
