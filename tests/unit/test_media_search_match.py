"""Python-side matching: fuzzy expansion like Lucene's rewrite, highlights, the reference score."""

from __future__ import annotations

from tuneton.media.search_match import fuzzy_expansions, highlights, score
from tuneton.media.search_text import query_terms


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
