"""How a query term matches a field, in Python: highlights, fuzzy expansion and a reference scorer.

Every search adapter computes highlights with :func:`highlights` (so they are identical across
engines and point into the *displayed* strings, which Elasticsearch cannot do for terms we analysed
ourselves). :func:`fuzzy_expansions` reproduces Elasticsearch's fuzzy rewrite for engines without
one: vocabulary terms within the allowed optimal-string-alignment distance, the best
:data:`~tuneton.media.search_text.FUZZY_MAX_EXPANSIONS` by Lucene's boost ``1 - edits / min(len)``,
ties by term. :func:`score` is the ranking formula itself, for in-memory indexes and tests.
:func:`short_term_scores` precomputes that formula for every one- and two-character query a track
answers, so an engine can serve the first keystrokes from an index already in ranked order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract

from tuneton.catalog_values import Highlights, SearchDocument
from tuneton.media.search_text import (
    FIELD_WEIGHTS,
    FUZZY_MAX_EXPANSIONS,
    MATCH_FACTORS,
    AnalysedFields,
    QueryTerm,
    compound_words,
    index_terms,
    is_cjk,
    words,
)

Span = tuple[int, int]


def fuzzy_expansions(term: QueryTerm, vocabulary: Sequence[str], *, limit: int = FUZZY_MAX_EXPANSIONS) -> list[str]:
    """The vocabulary terms ``term`` fuzzily matches, capped like Lucene's top-terms rewrite."""
    if term.edits == 0 or not vocabulary:
        return []
    found = extract(term.text, vocabulary, scorer=OSA.distance, score_cutoff=term.edits, limit=None)
    ranked = sorted(
        ((1.0 - distance / min(len(candidate), len(term.text)), candidate) for candidate, distance, _ in found),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return [candidate for _, candidate in ranked[:limit]]


def match_factor(term: QueryTerm, full: set[str], prefixes: set[str]) -> float:
    """The best :data:`MATCH_FACTORS` value of ``term`` against a field's index terms, 0.0 for none."""
    if term.text in full:
        return MATCH_FACTORS["exact"]
    if term.prefix in prefixes or (term.bigrams and all(b in full for b in term.bigrams)):
        return MATCH_FACTORS["prefix"]
    if term.edits and any(OSA.distance(term.text, token, score_cutoff=term.edits) <= term.edits for token in full):
        return MATCH_FACTORS["fuzzy"]
    return 0.0


def score(fields: dict[str, Iterable[str]], terms: Sequence[QueryTerm]) -> float | None:
    """Sum over terms of the best weighted match in any field; None when some term matches nothing.

    Fuzzy matching here is not capped by max expansions (the engines are, at 50 terms per query term).
    """
    analysed = {name: index_terms(values) for name, values in fields.items()}
    total = 0.0
    for term in terms:
        best = max(
            FIELD_WEIGHTS[name] * match_factor(term, set(full), set(prefixes))
            for name, (full, prefixes) in analysed.items()
        )
        if best == 0.0:
            return None
        total += best
    return total


SHORT_QUERY_MAX = 2  # a one-term query this short has no fuzziness and no CJK infix: its score is precomputable


def short_term(terms: Sequence[QueryTerm]) -> str | None:
    """The term of a one-term query of at most :data:`SHORT_QUERY_MAX` characters, else None.

    Such a query (the first keystrokes) matches the most tracks, yet its score for a track depends on
    that track alone: the best field weight x exact-or-prefix factor. Fuzziness starts at 3 characters
    and CJK infixes at 3, so nothing else can contribute.
    """
    if len(terms) == 1 and len(terms[0].text) <= SHORT_QUERY_MAX:
        return terms[0].text
    return None


def short_term_scores(fields: AnalysedFields) -> dict[str, float]:
    """Every :func:`short_term` a track matches, with the score :func:`score` gives it for that query."""
    scores: dict[str, float] = {}
    for field, weight in FIELD_WEIGHTS.items():
        exact: list[str] = getattr(fields, f"{field}_terms")
        prefixes: list[str] = getattr(fields, f"{field}_prefixes")
        for factor, terms in ((MATCH_FACTORS["exact"], exact), (MATCH_FACTORS["prefix"], prefixes)):
            for term in terms:
                if len(term) <= SHORT_QUERY_MAX:
                    scores[term] = max(scores.get(term, 0.0), weight * factor)
    return scores


def highlights(text: str, terms: Sequence[QueryTerm]) -> tuple[Span, ...]:
    """Spans of ``text`` that a term matched: the typed prefix of a word, a CJK substring, else the word."""
    spans: list[Span] = []
    for word in [*words(text), *compound_words(text)]:
        original = text[word.start : word.end]
        for part in word.parts:
            span = _match_span(original, part, terms)
            if span is not None:
                spans.append((word.start + span[0], word.start + span[1]))
                break
    return _merged(spans)


def document_highlights(document: SearchDocument, terms: Sequence[QueryTerm]) -> Highlights:
    """Highlights of a hit's display fields, the same whichever engine found it."""
    if not terms:
        return Highlights()
    return Highlights(
        title=highlights(document.title, terms),
        artists=tuple(highlights(artist, terms) for artist in document.artists),
        album=highlights(document.album, terms) if document.album else (),
    )


def _match_span(original: str, part: str, terms: Sequence[QueryTerm]) -> Span | None:
    aligned = len(original) == len(part)  # normalising kept one character per character: spans map 1:1
    whole = (0, len(original))
    for term in terms:
        if part == term.text:
            return whole
        if is_cjk(term.text[0]) and term.text in part:
            at = part.index(term.text)
            return (at, at + len(term.text)) if aligned else whole
        if part.startswith(term.prefix):
            return (0, len(term.prefix)) if aligned else whole
        if term.edits and OSA.distance(term.text, part, score_cutoff=term.edits) <= term.edits:
            return whole
    return None


def _merged(spans: list[Span]) -> tuple[Span, ...]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)
