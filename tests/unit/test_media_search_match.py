"""Python-side matching: fuzzy expansion like Lucene's rewrite, highlights, the reference score."""

from __future__ import annotations

import pytest

from tuneton.media.search_match import (
    SHORT_QUERY_MAX,
    fuzzy_expansions,
    highlights,
    score,
    short_term,
    short_term_scores,
)
from tuneton.media.search_text import analyse, compounds, query_terms, tokens


def test_fuzzy_expansions_rank_by_lucene_boost_then_term() -> None:
    [term] = query_terms("metalica")
    vocabulary = ["metallica", "metal", "matalica", "xyz", "metalica", "metalicas"]
    assert fuzzy_expansions(term, vocabulary) == ["metalica", "matalica", "metalicas", "metallica"]
    assert fuzzy_expansions(term, vocabulary, limit=2) == ["metalica", "matalica"]


def test_short_terms_are_never_fuzzy() -> None:
    [term] = query_terms("ab")
    assert fuzzy_expansions(term, ["ac", "ab", "b"]) == []


def test_highlights_mark_prefixes_words_and_cjk_infixes() -> None:
    assert highlights("Back in Black", query_terms("bla")) == ((8, 11),)
    assert highlights("AC/DC", query_terms("acdc")) == ((0, 5),)
    assert highlights("東京事変", query_terms("京事")) == ((1, 3),)
    assert highlights("Straße", query_terms("strasse")) == ((0, 6),)  # not aligned: the whole word
    assert highlights("Night Drive 🚗", query_terms("drive")) == ((6, 11),)


def test_reference_score_matches_the_contract_numbers() -> None:
    assert (
        score({"title": ["Back in Black"], "artist": ["AC/DC"], "album": ["Back in Black"]}, query_terms("black"))
        == 4.0
    )
    assert (
        score({"title": ["Hells Bells"], "artist": ["AC/DC"], "album": ["Back in Black"]}, query_terms("blakc")) == 0.25
    )
    assert (
        score({"title": ["Crazy in Love"], "artist": ["Beyoncé", "JAY-Z"], "album": []}, query_terms("crazy bey"))
        == 5.0
    )
    assert score({"title": ["Halo"], "artist": [], "album": []}, query_terms("zzz")) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("a", "a"), ("ЁЛ", "ел"), ("東京", "東京"), (" b! ", "b"), ("a a", "a"), ("abc", None), ("a b", None),
     ("東京事", None), ("", None), ("🚗", None)],
)  # fmt: skip
def test_short_term_is_a_lone_term_of_one_or_two_characters(text: str, expected: str | None) -> None:
    assert short_term(query_terms(text)) == expected


TRACKS = [
    ("Back in Black", ["AC/DC"], "Back in Black"),
    ("Crazy in Love", ["Beyoncé", "JAY-Z"], "Dangerously in Love"),
    ("Звезда по имени Солнце", ["Кино"], "Звезда по имени Солнце"),
    ("Прованс", ["Ёлка"], None),
    ("群青日和", ["東京事変"], "教育"),
    ("A", ["B"], "AB"),
    ("Tainted Love", ["t.A.T.u."], None),
    ("Ace of Spades", ["Motörhead"], "Ace of Spades"),
]


@pytest.mark.parametrize(("title", "artists", "album"), TRACKS)
def test_short_term_scores_equal_the_reference_score(title: str, artists: list[str], album: str | None) -> None:
    """The precomputed table must rank exactly like the general path: every short query, every score."""
    fields = analyse(title=title, artists=artists, album=album, genre=None)
    scores = short_term_scores(fields)
    raw = {"title": [title], "artist": artists, "album": [album] if album else []}
    candidates = {term for values in raw.values() for value in values for term in _short_strings(value)}
    assert candidates, title
    for text in candidates:
        assert scores.get(text) == score(raw, query_terms(text)), text
    assert all(len(term) <= SHORT_QUERY_MAX for term in scores)
    assert set(scores) <= candidates


def _short_strings(value: str) -> set[str]:
    """Every one- and two-character substring of ``value``'s words: all its short queries, and more."""
    words = [*tokens(value), *compounds(value), "zz", "q"]
    return {word[i : i + n] for word in words for n in (1, 2) for i in range(len(word) - n + 1)}


def test_short_term_scores_keep_the_best_field() -> None:
    fields = analyse(title="Back in Black", artists=["AC/DC"], album="Bad", genre=None)
    scores = short_term_scores(fields)
    assert (scores["b"], scores["ba"], scores["in"], scores["i"], scores["ac"], scores["d"]) == (
        2.0, 2.0, 4.0, 2.0, 2.0, 1.0,
    )  # fmt: skip
