"""Search text analysis in Python, so Elasticsearch and SQLite index and match exactly the same terms.

The Elasticsearch we can run (integ-test-zip) has no ``analysis-common``: no ``asciifolding``, no
``edge_ngram``. Rather than depend on analyzers, every text is analysed here and indexed as plain
``keyword`` terms; both adapters then only ever compare whole terms, and the same rules hold on a
stock cluster, the test zip and SQLite FTS5. The rules:

* **Normalisation** — NFKC (full-width letters, ligatures, superscripts become plain), casefold, then
  accents are dropped from Latin and Greek letters (é→e, ß→ss, ø→o, ά→α). Cyrillic letters keep
  theirs: й, ї, ў are letters in their own right, not accented и, і, у. The one exception is
  ``ё→е`` (:data:`FOLD_YO`), because Russian print omits the dots and users type е. Japanese voicing
  marks (が) are kept for the same reason й is.
* **Tokens** — runs of letters, digits and combining marks; an apostrophe inside a word is dropped
  ("don't" → "dont"). Han, Hiragana and Katakana are written without spaces, so a CJK run is indexed
  whole *and* as single characters and overlapping pairs (bigrams): "東京事変" matches "東京事変",
  "京" and "事変". Hangul is spaced and handled like Latin. Thai-like scripts are kept as whole runs.
* **Prefixes** — every token's first 1…:data:`MAX_PREFIX` characters are indexed too, for
  as-you-type search from the first keystroke.
* **Weights** — :data:`FIELD_WEIGHTS` (title > artist > album) times :data:`MATCH_FACTORS` (exact >
  prefix/infix > fuzzy). All are powers of two so sums are exact in float32 and float64: the two
  engines compute identical scores and so return identical orders.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

ANALYSIS_VERSION = 1  # bump on any rule change: existing indexes must be rebuilt
FOLD_YO = True
MAX_PREFIX = 20
MAX_TOKEN = 64
MAX_QUERY_TERMS = 8
FIELD_WEIGHTS = {"title": 4.0, "artist": 2.0, "album": 1.0}
MATCH_FACTORS = {"exact": 1.0, "prefix": 0.5, "infix": 0.5, "fuzzy": 0.25}
FUZZY_MAX_EXPANSIONS = 50  # Elasticsearch's default for fuzzy queries; SQLite mirrors it

_APOSTROPHES = "'\u2019\u02bc"
_LETTER_TABLE = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe",
                               "ı": "i", "ħ": "h", "ŧ": "t", "ŀ": "l"} | dict.fromkeys(_APOSTROPHES, ""))  # fmt: skip


def normalise(text: str, *, fold_yo: bool = FOLD_YO) -> str:
    """The comparable form of ``text``: NFKC, casefold, Latin/Greek accents off, optionally ё→е."""
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text).casefold())
    kept: list[str] = []
    base = ""
    for ch in folded:
        if unicodedata.combining(ch) and _accent_folds(base):
            continue
        kept.append(ch)
        if not unicodedata.combining(ch):
            base = ch
    result = unicodedata.normalize("NFC", "".join(kept)).translate(_LETTER_TABLE)
    return result.replace("ё", "е") if fold_yo else result


def is_cjk(ch: str) -> bool:
    """Han, Hiragana or Katakana: scripts written without spaces between words."""
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x31F0 <= code <= 0x31FF  # Katakana phonetic extensions
        or 0x3400 <= code <= 0x4DBF  # Han extension A
        or 0x4E00 <= code <= 0x9FFF  # Han
        or 0xF900 <= code <= 0xFAFF  # Han compatibility
        or 0x20000 <= code <= 0x3134F  # Han extensions B-G
    )


@dataclass(frozen=True)
class Word:
    """A word of the original text: its span there (for highlights) and its normalised tokens."""

    start: int
    end: int
    parts: tuple[str, ...]  # normalised; CJK runs and other runs separately ("東京2020" -> 東京, 2020)


def words(text: str) -> list[Word]:
    """Split ``text`` into words, keeping where each came from in the original string."""
    found: list[Word] = []
    start = None
    for index in range(len(text) + 1):  # one past the end closes the last word
        if _word_char(text, index):
            start = index if start is None else start
            continue
        if start is not None:
            parts = tuple(part for part in _parts(normalise(text[start:index])) if part)
            if parts:
                found.append(Word(start, index, parts))
            start = None
    return found


def tokens(text: str) -> list[str]:
    """The normalised terms of ``text`` in order, CJK runs kept whole (what a query is made of)."""
    return [part for word in words(text) for part in word.parts]


def index_terms(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """(tokens, prefixes) to index for a field holding ``values``, each sorted and without duplicates."""
    full: set[str] = set()
    prefixes: set[str] = set()
    for value in values:
        for term in [*tokens(value), *compounds(value)]:
            full.add(term)
            if is_cjk(term[0]):
                full.update(term)
                full.update(term[i : i + 2] for i in range(len(term) - 1))
            prefixes.update(term[:n] for n in range(1, min(len(term), MAX_PREFIX) + 1))
    return sorted(full), sorted(prefixes)


def compounds(text: str) -> list[str]:
    """Words joined by punctuation without spaces, glued back: "AC/DC" -> "acdc", "t.A.T.u." -> "tatu".

    Indexed next to the parts so "acdc" and "jayz" find "AC/DC" and "Jay-Z" as well as "ac dc" does.
    """
    return [word.parts[0] for word in compound_words(text)]


def compound_words(text: str) -> list[Word]:
    """The glued words of :func:`compounds` with their spans in ``text``."""
    glued: list[Word] = []
    group: list[Word] = []
    for word in [*words(text), None]:
        joined = word is not None and bool(group) and _glued(text, group[-1].end, word.start)
        if word is not None and (joined or not group):
            group.append(word)
            continue
        if len(group) > 1:
            parts = "".join(part for member in group for part in member.parts)[:MAX_TOKEN]
            glued.append(Word(group[0].start, group[-1].end, (parts,)))
        group = [word] if word is not None else []
    return glued


def _glued(text: str, end: int, start: int) -> bool:
    between = text[end:start]
    return len(between) == 1 and not between.isspace()


@dataclass(frozen=True)
class QueryTerm:
    """One term of a user's query and every way it may match a field.

    ``exact``: the term is one of the field's tokens. ``prefix``: one of its prefixes (as-you-type).
    ``bigrams``: a CJK term of 3+ characters also matches when all its bigrams occur (an infix such as
    "京事変" in "東京事変"). ``edits``: Elasticsearch's ``fuzziness: AUTO`` (0 below 3 characters,
    1 up to 5, else 2), with transpositions; never for CJK, where one edit changes the word.
    """

    text: str
    prefix: str
    edits: int
    bigrams: tuple[str, ...]


def query_terms(query: str) -> list[QueryTerm]:
    """The terms of a query string, first :data:`MAX_QUERY_TERMS` distinct ones."""
    terms: list[QueryTerm] = []
    for text in dict.fromkeys(tokens(query)):
        cjk = is_cjk(text[0])
        edits = 0 if cjk or len(text) < 3 else 1 if len(text) < 6 else 2
        bigrams = tuple(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1))) if cjk and len(text) > 2 else ()
        terms.append(QueryTerm(text=text, prefix=text[:MAX_PREFIX], edits=edits, bigrams=bigrams))
    return terms[:MAX_QUERY_TERMS]


def sort_key(title: str) -> str:
    """Tie-breaker after the score: the normalised title (code-point order in ES, SQLite and Python)."""
    return " ".join(tokens(title))[:200]


def _accent_folds(base: str) -> bool:
    code = ord(base) if base else 0
    return 0x41 <= code < 0x250 or 0x1E00 <= code <= 0x1FFF or 0x370 <= code <= 0x3FF


def _word_char(text: str, index: int) -> bool:
    if index >= len(text):
        return False
    ch = text[index]
    if ch.isalnum() or unicodedata.category(ch).startswith("M"):
        return True
    inside = 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()
    return ch in _APOSTROPHES and inside


def _parts(normalised: str) -> list[str]:
    """Split a normalised word into CJK and non-CJK runs (and at anything NFKC made a separator)."""
    parts: list[str] = []
    current = ""
    for ch in normalised:
        if not (ch.isalnum() or unicodedata.category(ch).startswith("M")):
            parts.append(current)
            current = ""
        elif current and is_cjk(ch) != is_cjk(current[-1]):
            parts.append(current)
            current = ch
        else:
            current += ch
    parts.append(current)
    return [part[:MAX_TOKEN] for part in parts]


def filter_key(value: str) -> str:
    """What artist/album/genre filters compare: the value's terms, so "ac/dc" filters "AC/DC"."""
    return " ".join(tokens(value))


@dataclass(frozen=True)
class AnalysedFields:
    """Everything an index stores to match and filter one track, identical for every engine."""

    title_terms: list[str]
    title_prefixes: list[str]
    artist_terms: list[str]
    artist_prefixes: list[str]
    album_terms: list[str]
    album_prefixes: list[str]
    artist_keys: list[str]
    album_key: str | None
    genre_key: str | None
    sort_key: str


def analyse(*, title: str, artists: Iterable[str], album: str | None, genre: str | None) -> AnalysedFields:
    """Analyse a track's display fields for indexing."""
    artist_list = list(artists)
    title_terms, title_prefixes = index_terms([title])
    artist_terms, artist_prefixes = index_terms(artist_list)
    album_terms, album_prefixes = index_terms([album] if album else [])
    return AnalysedFields(
        title_terms=title_terms,
        title_prefixes=title_prefixes,
        artist_terms=artist_terms,
        artist_prefixes=artist_prefixes,
        album_terms=album_terms,
        album_prefixes=album_prefixes,
        artist_keys=sorted({filter_key(artist) for artist in artist_list} - {""}),
        album_key=filter_key(album) or None if album else None,
        genre_key=filter_key(genre) or None if genre else None,
        sort_key=sort_key(title),
    )
