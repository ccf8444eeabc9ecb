"""Track metadata from tags: title, artists, album, numbering, year, genre, ISRC — cleaned and bounded.

Tags are user-controlled input. Values are NFC-normalised, control characters dropped and whitespace
collapsed; numbers and ISRCs that do not parse become ``None`` rather than a refusal (bad tags are
common, the audio is still good). Only absurd sizes are refused (:class:`TagTooLarge`), because a
multi-megabyte "title" is an attack or a broken tagger, not metadata. When there is no title, it comes
from the uploaded file's *name* (not its path: ``../../etc/passwd`` becomes "passwd").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from tuneton.media import tagformats
from tuneton.media.artists import split_artists
from tuneton.media.errors import TagTooLarge

MAX_TAG_BYTES = 8 * 1024 * 1024  # whole metadata incl. embedded pictures; a 3000 px JPEG cover is ~2 MB
MAX_FIELD_CHARS = 1024  # one text value; titles and names are far shorter, lyrics are not read
UNTITLED = "Untitled"

_TRACK_PREFIX = re.compile(r"^(?:\d-\d{2}|0\d{1,2}|\d{1,3}\s*[-._)])\s*(?:-\s*)?")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_NUMBER = re.compile(r"^\s*(\d{1,4})\s*(?:/\s*(\d{1,4}))?\s*$")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?!\d)")
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


@dataclass(frozen=True, kw_only=True)
class TrackTags:
    """What the tags (or the file name) say about a track, ready for a ``TrackUploaded`` event."""

    title: str
    artists: tuple[str, ...]
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    track_total: int | None = None
    disc_number: int | None = None
    disc_total: int | None = None
    year: int | None = None
    genre: str | None = None
    isrc: str | None = None
    title_from_file_name: bool = False


def read_tags(
    path: Path, *, container: str, file_name: str | None = None, max_tag_bytes: int = MAX_TAG_BYTES
) -> TrackTags:
    """Read and clean the tags of ``path`` (``container`` as sniffed by :func:`tuneton.media.probe.probe`).

    ``file_name`` is the name the uploader gave, used only for a missing title (and artist).
    Raises :class:`TagTooLarge` when the metadata exceeds ``max_tag_bytes`` or a field
    :data:`MAX_FIELD_CHARS`.
    """
    declared = tagformats.declared_size(path, container)
    if declared > max_tag_bytes:
        raise TagTooLarge(f"the file's tags take {declared} bytes", size=declared, limit=max_tag_bytes)
    raw, size = tagformats.load(path, container)
    if size > max_tag_bytes:
        raise TagTooLarge(f"the file's tags take {size} bytes", size=size, limit=max_tag_bytes)
    return tags_from_raw(raw, file_name=file_name)


def tags_from_raw(raw: tagformats.RawTags, *, file_name: str | None) -> TrackTags:
    """Clean raw values (any tag format, see :mod:`tuneton.media.tagformats`) into :class:`TrackTags`."""
    values = {field: [v for v in (clean_text(x, field=field) for x in raw.get(field, [])) if v] for field in raw}
    title = _first(values, "title")
    artists = split_artists(values.get("artist", []))
    from_name = title is None
    if title is None:
        title, named_artist = title_from_file_name(file_name)
        if not artists and named_artist:
            artists = split_artists([named_artist])
    track, track_total = _numbers(values, "tracknumber", "tracktotal")
    disc, disc_total = _numbers(values, "discnumber", "disctotal")
    return TrackTags(
        title=title,
        artists=artists,
        album=_first(values, "album"),
        album_artist=_first(values, "albumartist"),
        track_number=track,
        track_total=track_total,
        disc_number=disc,
        disc_total=disc_total,
        year=_year(_first(values, "date")),
        genre=_first(values, "genre"),
        isrc=_isrc(_first(values, "isrc")),
        title_from_file_name=from_name,
    )


def clean_text(value: str, *, field: str = "tag") -> str:
    """NFC, no control or format characters, whitespace collapsed; refuses values over the field limit."""
    if len(value) > MAX_FIELD_CHARS * 4:  # refuse before normalising megabytes
        raise TagTooLarge(f"the {field} tag is {len(value)} characters long", field=field, limit=MAX_FIELD_CHARS)
    text = unicodedata.normalize("NFC", value)
    text = "".join(ch if unicodedata.category(ch) not in {"Cc", "Cs"} else " " for ch in text)
    text = " ".join(text.split())
    if len(text) > MAX_FIELD_CHARS:
        raise TagTooLarge(f"the {field} tag is {len(text)} characters long", field=field, limit=MAX_FIELD_CHARS)
    return text


def title_from_file_name(file_name: str | None) -> tuple[str, str | None]:
    """(title, artist or None) from an uploaded file's name: "01 - Artist - Title.mp3" -> ("Title", "Artist").

    Only the last path component counts, whichever separator the client's OS uses, so a hostile name
    like ``../../etc/passwd`` yields the harmless title "passwd". A leading track number is dropped
    when it is zero-padded or followed by a separator ("01 Song", "3. Song"), so "99 Problems" stays.
    """
    name = re.split(r"[/\\]", file_name or "")[-1]
    name = _EXTENSION.sub("", name).replace("_", " ")
    name = clean_text(name[: MAX_FIELD_CHARS * 2], field="file name")
    name = _TRACK_PREFIX.sub("", name, count=1).strip(" .-")
    artist: str | None = None
    if " - " in name:
        artist, name = (part.strip() for part in name.split(" - ", 1))
    return (name or UNTITLED)[:MAX_FIELD_CHARS], artist or None


def _first(values: dict[str, list[str]], field: str) -> str | None:
    found = values.get(field) or []
    return found[0] if found else None


def _numbers(values: dict[str, list[str]], number_field: str, total_field: str) -> tuple[int | None, int | None]:
    """ "3/12" or "3" plus a separate total field; vinyl sides ("A1") and zero become None."""
    number = total = None
    match = _NUMBER.match(_first(values, number_field) or "")
    if match:
        number = int(match.group(1)) or None
        total = int(match.group(2)) if match.group(2) else None
    total_match = _NUMBER.match(_first(values, total_field) or "")
    if total is None and total_match:
        total = int(total_match.group(1))
    return number, total or None


def _year(date: str | None) -> int | None:
    match = _YEAR.search(date or "")
    year = int(match.group(1)) if match else None
    return year if year is not None and 1000 <= year <= 2100 else None


def _isrc(value: str | None) -> str | None:
    """ISO 3901: CC-XXX-YY-NNNNN; stored without hyphens, upper case; anything else is dropped."""
    code = re.sub(r"[\s-]", "", value or "").upper()
    return code if _ISRC.match(code) else None
