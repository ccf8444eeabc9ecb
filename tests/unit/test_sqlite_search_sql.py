"""The SQLite search adapter's pure SQL builders: score tiers, their sums, the walk or sort of a tier."""

from __future__ import annotations

from tuneton.adapters.sqlite.search_sql import (
    WALK_SLACK,
    combination_count,
    score_tiers,
    summed_tiers,
    term_clauses,
    walk_budget,
)
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


def test_summed_tiers_group_every_combination_by_its_sum_best_first() -> None:
    first, second = [("a", 4.0), ("b", 2.0)], [("c", 4.0), ("d", 1.0)]
    groups = summed_tiers([first, second])
    assert [value for value, _ in groups] == [8.0, 6.0, 5.0, 3.0]
    assert [[tuple(tier[0] for tier in combination) for combination in group] for _, group in groups] == [
        [(4.0, 4.0)], [(2.0, 4.0)], [(4.0, 1.0)], [(2.0, 1.0)],
    ]  # fmt: skip
    assert combination_count([first, second]) == 4 == sum(len(group) for _, group in groups)
    assert [value for value, _ in summed_tiers([first])] == [4.0, 2.0]  # one term: its own tiers


def test_a_tier_is_walked_only_when_it_is_large_enough_to_pay() -> None:
    assert walk_budget(tier_size=100, wanted=20, documents=50_000) is None  # 10,000 rows to walk, 100 to sort
    assert walk_budget(tier_size=2_000, wanted=20, documents=50_000) == WALK_SLACK * 500
    assert walk_budget(tier_size=50_000, wanted=20, documents=50_000) == WALK_SLACK * 20
