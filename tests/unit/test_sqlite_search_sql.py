"""The SQLite search adapter's pure SQL builders: score tiers of a one-term query."""

from __future__ import annotations

from tuneton.adapters.sqlite.search_sql import score_tiers, term_clauses
from tuneton.media.search_text import query_terms


def test_score_tiers_are_best_first_and_exclude_every_better_clause() -> None:
    clauses = [("a", 4.0), ("b", 2.0), ("c", 2.0), ("d", 1.0), ("e", 0.5)]
    assert score_tiers(clauses) == [
        (4.0, "(a)", None),
        (2.0, "(b) OR (c)", "(a)"),
        (1.0, "(d)", "(a) OR (b) OR (c)"),
        (0.5, "(e)", "(a) OR (b) OR (c) OR (d)"),
    ]


def test_a_words_tiers_cover_every_clause_once() -> None:
    [term] = query_terms("love")
    clauses = term_clauses(term, {"title_terms": ["live", "lone"]})
    tiers = score_tiers(clauses)
    assert [score for score, _, _ in tiers] == [4.0, 2.0, 1.0, 0.5]  # title 4, title prefix/artist 2, ...
    assert sum(mine.count(" : ") for _, mine, _ in tiers) == len(clauses)
