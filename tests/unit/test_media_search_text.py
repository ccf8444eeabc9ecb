"""Search analysis: normalisation, tokens, prefixes, CJK, query terms — pure functions."""

from __future__ import annotations

import pytest

from tuneton.media.placeholder import initials_of
from tuneton.media.search_text import (
    FIELD_WEIGHTS,
    MATCH_FACTORS,
    MAX_PREFIX,
    compounds,
    index_terms,
    normalise,
    query_terms,
    sort_key,
    tokens,
    words,
)
from tuneton.media.tags import title_from_file_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Beyoncé", "beyonce"),
        ("MOTÖRHEAD", "motorhead"),
        ("Straße", "strasse"),
        ("Sigur Rós", "sigur ros"),
        ("Ærøskøbing Łódź", "aeroskobing lodz"),
        ("Ἀθῆναι", "αθηναι"),
        ("ＡＢＣ ﬁnal", "abc final"),
        ("Ёлка", "елка"),
        ("Йошкар-Ола", "йошкар-ола"),
        ("Київ", "київ"),
        ("がっこう", "がっこう"),
        ("ﾊﾟﾌﾟﾘｶ", "パプリカ"),
        ("İstanbul", "istanbul"),
        ("Don’t", "dont"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_yo_folding_is_optional() -> None:
    assert normalise("Ёлка", fold_yo=False) == "ёлка"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Don't Stop Me Now", ["dont", "stop", "me", "now"]),
        ("AC/DC — Back in Black!", ["ac", "dc", "back", "in", "black"]),
        ("東京事変 2020", ["東京事変", "2020"]),
        ("東京2020", ["東京", "2020"]),
        ("🎵 night 🎶", ["night"]),
        ("방탄소년단 BTS", ["방탄소년단", "bts"]),
        ("", []),
    ],
)
def test_tokens(text: str, expected: list[str]) -> None:
    assert tokens(text) == expected


def test_words_keep_their_spans_in_the_original() -> None:
    text = "🎵 Ёлка — Прованс"
    assert [(text[w.start : w.end], w.parts) for w in words(text)] == [("Ёлка", ("елка",)), ("Прованс", ("прованс",))]


def test_compounds_glue_punctuated_names() -> None:
    assert compounds("AC/DC and Jay-Z, t.A.T.u.") == ["acdc", "jayz", "tatu"]


def test_index_terms_have_prefixes_from_one_character() -> None:
    full, prefixes = index_terms(["Beatles"])
    assert full == ["beatles"]
    assert prefixes == ["b", "be", "bea", "beat", "beatl", "beatle", "beatles"]


def test_prefixes_stop_at_the_maximum() -> None:
    _, prefixes = index_terms(["a" * 40])
    assert max(map(len, prefixes)) == MAX_PREFIX


def test_cjk_runs_are_indexed_whole_as_characters_and_bigrams() -> None:
    full, prefixes = index_terms(["東京事変"])
    assert full == sorted(["東京事変", "東", "京", "事", "変", "東京", "京事", "事変"])
    assert prefixes == ["東", "東京", "東京事", "東京事変"]


def test_query_terms_carry_fuzziness_like_elasticsearch_auto() -> None:
    terms = {term.text: term for term in query_terms("ab abc abcde abcdef 東京事")}
    assert [terms[t].edits for t in ("ab", "abc", "abcde", "abcdef", "東京事")] == [0, 1, 1, 2, 0]
    assert terms["東京事"].bigrams == ("東京", "京事")


def test_query_terms_are_distinct_and_bounded() -> None:
    assert [t.text for t in query_terms("a a b")] == ["a", "b"]
    assert len(query_terms(" ".join(f"w{i}" for i in range(30)))) == 8


def test_weights_rank_title_over_artist_over_album_and_are_exact_binary_fractions() -> None:
    assert FIELD_WEIGHTS["title"] > FIELD_WEIGHTS["artist"] > FIELD_WEIGHTS["album"]
    assert MATCH_FACTORS["exact"] > MATCH_FACTORS["prefix"] > MATCH_FACTORS["fuzzy"]
    for value in [*FIELD_WEIGHTS.values(), *MATCH_FACTORS.values()]:
        assert (value * 1024).is_integer()


def test_sort_key_is_the_normalised_title() -> None:
    assert sort_key("  Émile — Ça va ") == "emile ca va"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("01 - Artist - Title.mp3", ("Title", "Artist")),
        ("99 Problems.mp3", ("99 Problems", None)),
        ("1-02 Song.m4a", ("Song", None)),
        ("../../etc/passwd", ("passwd", None)),
        ("C:\\Music\\03. Кино - Группа крови.flac", ("Группа крови", "Кино")),
        ("track_05_name.ogg", ("track 05 name", None)),
        (".mp3", ("Untitled", None)),
        ("🎵.mp3", ("🎵", None)),
        (None, ("Untitled", None)),
    ],
)
def test_titles_from_file_names(name: str | None, expected: tuple[str, str | None]) -> None:
    assert title_from_file_name(name) == expected


@pytest.mark.parametrize(
    ("text", "initials"),
    [("Группа крови", "ГК"), ("東京事変", "東"), ("🎵 night drive", "ND"), ("🎵🎶", ""), ("straße x", "SX")],
)
def test_placeholder_initials(text: str, initials: str) -> None:
    assert initials_of(text) == initials
