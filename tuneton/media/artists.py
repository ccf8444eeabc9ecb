"""Split an artist tag into artists without breaking band names that contain a separator.

Taggers write collaborations as one string ("Daft Punk feat. Pharrell Williams; Nile Rodgers"), but
"AC/DC", "Simon & Garfunkel" or "Tyler, The Creator" are one artist each. The rule, in order:

1. Names on :data:`KNOWN_ARTISTS` (compared case-insensitively) are never split.
2. The string is split on ``;``, ``/``, `` feat. `` / `` ft. `` / `` featuring `` / `` vs. ``, `` & ``,
   `` + ``, ``, `` and their full-width forms (``；／＆，、``) common in CJK tags.
3. A split is undone when the two sides look like one name:
   * ``X/Y`` with both sides 1–3 letters or digits and no spaces is an acronym ("AC/DC", "B/W");
   * ``X & the Y`` / ``X, the Y`` / ``X + the Y`` names a band ("Echo & the Bunnymen",
     "Tyler, The Creator", "Florence + the Machine").
4. Empty parts are dropped and duplicates removed (case-insensitively), order kept.

Multi-valued tags (several ID3v2.4 values, repeated Vorbis ``ARTIST`` fields, several MP4 ``©ART``)
are already a list and are taken as they are, except that each value still goes through the
`` feat. `` split — "Artist feat. Guest" in one value is common even in well-tagged files.
Extend :data:`KNOWN_ARTISTS` rather than the rules when a real name breaks.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

KNOWN_ARTISTS: frozenset[str] = frozenset(
    name.casefold()
    for name in (
        "AC/DC",
        "Earth, Wind & Fire",
        "Simon & Garfunkel",
        "Crosby, Stills, Nash & Young",
        "Crosby, Stills & Nash",
        "Emerson, Lake & Palmer",
        "Blood, Sweat & Tears",
        "Peter, Paul and Mary",
        "Hall & Oates",
        "Daryl Hall & John Oates",
        "Mumford & Sons",
        "Sonny & Cher",
        "Ike & Tina Turner",
        "Iron & Wine",
        "Belle & Sebastian",
        "Brooks & Dunn",
        "Chase & Status",
        "Above & Beyond",
        "Eric B. & Rakim",
        "Sam & Dave",
        "Ashford & Simpson",
        "Kruder & Dorfmeister",
        "Macklemore & Ryan Lewis",
        "Dan + Shay",
        "Coheed and Cambria",
    )
)

_FEAT = r"feat\.?|ft\.|featuring|vs\.?"
# ASCII comma only before a space ("10,000 Maniacs" stays whole); CJK commas need no space.
_SEPARATOR = re.compile(
    rf"(\s*[;；]\s*|\s*[/／]\s*|\s+(?:{_FEAT})\s+|\s+[&＆+]\s+|\s*,\s+|\s*[，、]\s*)",
    re.IGNORECASE,
)
_FEAT_ONLY = re.compile(rf"\s+(?:{_FEAT})\s+", re.IGNORECASE)
_KNOWN = re.compile(
    "|".join(rf"(?<!\w){re.escape(name)}(?!\w)" for name in sorted(KNOWN_ARTISTS, key=len, reverse=True)),
    re.IGNORECASE,
)
_ACRONYM = re.compile(r"^\w{1,3}$")
_BAND_TAIL = re.compile(r"^(?:the|his|her)\s", re.IGNORECASE)
_JOINABLE = {"&", "＆", "+", ",", "，", "、"}


def split_artists(values: Iterable[str]) -> tuple[str, ...]:
    """Artists named by the tag ``values`` (one string or several), cleaned, split and deduplicated."""
    cleaned = [" ".join(value.split()) for value in values]
    cleaned = [value for value in cleaned if value]
    parts: list[str] = []
    for value in cleaned:
        parts.extend(_split_one(value) if len(cleaned) == 1 else _split_feat(value))
    return _dedupe(parts)


def _split_one(value: str) -> list[str]:
    if value.casefold() in KNOWN_ARTISTS:
        return [value]
    protected, restore = _protect_known(value)
    pieces = _SEPARATOR.split(protected)
    names = [pieces[0]]
    for separator, piece in zip(pieces[1::2], pieces[2::2], strict=True):
        if _keeps_together(names[-1], separator, piece):
            names[-1] = names[-1] + separator + piece
        else:
            names.append(piece)
    return [restore(name).strip() for name in names]


def _split_feat(value: str) -> list[str]:
    if value.casefold() in KNOWN_ARTISTS:
        return [value]
    return [part.strip() for part in _FEAT_ONLY.split(value)]


def _keeps_together(left: str, separator: str, right: str) -> bool:
    sep = separator.strip()
    if sep in {"/", "／"} and separator == sep:
        return bool(_ACRONYM.match(left.strip()) and _ACRONYM.match(right.strip()))
    return sep in _JOINABLE and bool(_BAND_TAIL.match(right.strip()))


def _protect_known(value: str) -> tuple[str, Callable[[str], str]]:
    """Replace known names inside a longer string by placeholders the separators cannot cut."""
    found: list[str] = []

    def hide(match: re.Match[str]) -> str:
        found.append(match.group(0))
        return f"\x00{len(found) - 1}\x00"

    def restore(part: str) -> str:
        for index, original in enumerate(found):
            part = part.replace(f"\x00{index}\x00", original)
        return part

    return _KNOWN.sub(hide, value), restore


def _dedupe(names: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for name in names:
        key = name.casefold()
        if name and key not in seen:
            seen.add(key)
            result.append(name)
    return tuple(result)
