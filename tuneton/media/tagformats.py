"""Read raw tag values out of each tag format mutagen knows, into one vocabulary.

ID3 (MP3, ADTS AAC, WAV, AIFF), Vorbis comments (FLAC, Ogg Vorbis/Opus/FLAC) and MP4 atoms name the
same facts differently; this module maps them to :data:`FIELDS` keys with a list of strings each, so
:mod:`tuneton.media.tags` cleans and validates one shape. It also measures how big the tags are, so an
absurd 10 MB "title" is refused before anyone stores it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mutagen
from mutagen.flac import FLAC
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.mp4 import MP4, MP4Tags
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

FIELDS = ("title", "artist", "album", "albumartist", "tracknumber", "tracktotal",
          "discnumber", "disctotal", "date", "genre", "isrc")  # fmt: skip
RawTags = dict[str, list[str]]

_ID3_FRAMES = {"TIT2": "title", "TPE1": "artist", "TALB": "album", "TPE2": "albumartist", "TRCK": "tracknumber",
               "TPOS": "discnumber", "TDRC": "date", "TYER": "date", "TSRC": "isrc"}  # fmt: skip
_VORBIS_KEYS = {"title": "title", "artist": "artist", "album": "album", "albumartist": "albumartist",
                "album artist": "albumartist", "tracknumber": "tracknumber", "tracktotal": "tracktotal",
                "totaltracks": "tracktotal", "discnumber": "discnumber", "disctotal": "disctotal",
                "totaldiscs": "disctotal", "date": "date", "year": "date", "genre": "genre",
                "isrc": "isrc"}  # fmt: skip
_MP4_ATOMS = {"\xa9nam": "title", "\xa9ART": "artist", "\xa9alb": "album", "aART": "albumartist",
              "\xa9day": "date", "\xa9gen": "genre", "----:com.apple.iTunes:ISRC": "isrc"}  # fmt: skip


def load(path: Path, container: str) -> tuple[RawTags, int]:
    """Raw tag values of ``path`` (whose container was sniffed) and the tags' size in bytes.

    A damaged tag is treated as no tag: the audio is what matters and the title falls back to the
    file name. The class is chosen from the sniffed container, never from the file name.
    """
    try:
        if container in {"mp3", "aac", "wav", "aiff"}:
            return _from_id3(load_id3(path, container))
        if container == "flac":
            flac = FLAC(path)
            raw, size = _from_vorbis(flac.tags)
            return raw, size + sum(len(picture.data) for picture in flac.pictures)
        if container == "ogg":
            ogg = mutagen.File(path, options=[OggVorbis, OggOpus, OggFLAC])
            return _from_vorbis(ogg.tags if ogg is not None else None)
        if container == "mp4":
            return _from_mp4(MP4(path).tags)
    except (mutagen.MutagenError, ValueError, KeyError):
        return {}, 0
    return {}, 0


def load_id3(path: Path, container: str) -> ID3 | None:
    """The ID3 tag of an MP3/ADTS file (at its start) or a WAV/AIFF file (in a chunk), if any."""
    if container in {"mp3", "aac"}:
        try:
            return ID3(path)
        except ID3NoHeaderError:
            return None
    audio = mutagen.File(path)  # WAVE / AIFF keep ID3 in a chunk; the container was sniffed already
    tags = getattr(audio, "tags", None)
    return tags if isinstance(tags, ID3) else None


def _from_id3(tags: ID3 | None) -> tuple[RawTags, int]:
    raw: RawTags = {}
    if tags is None:
        return raw, 0
    size = 0
    for frame in tags.values():
        size += _size_of(getattr(frame, "text", None)) + _size_of(getattr(frame, "data", None))
        field = _ID3_FRAMES.get(frame.FrameID)
        if frame.FrameID == "TCON":
            raw.setdefault("genre", []).extend(frame.genres)
        elif field is not None and not (field == "date" and "date" in raw):
            raw.setdefault(field, []).extend(str(text) for text in frame.text)
    return raw, size


def _from_vorbis(tags: Any) -> tuple[RawTags, int]:
    raw: RawTags = {}
    if tags is None:
        return raw, 0
    size = 0
    for key, value in tags:
        size += len(key) + _size_of(value)
        field = _VORBIS_KEYS.get(key.lower())
        if field is not None:
            raw.setdefault(field, []).append(value)
    return raw, size


def _from_mp4(tags: MP4Tags | None) -> tuple[RawTags, int]:
    raw: RawTags = {}
    if tags is None:
        return raw, 0
    size = 0
    for key, values in tags.items():
        size += len(key) + _size_of(values)
        if key in {"trkn", "disk"} and values:
            number, total = values[0]
            prefix = "track" if key == "trkn" else "disc"
            raw[f"{prefix}number"] = [str(number)] if number else []
            raw[f"{prefix}total"] = [str(total)] if total else []
        elif key in _MP4_ATOMS:
            raw.setdefault(_MP4_ATOMS[key], []).extend(_mp4_text(value) for value in values)
    return raw, size


def _mp4_text(value: object) -> str:
    if isinstance(value, bytes):  # freeform atoms (ISRC) are bytes
        return value.decode("utf-8", errors="replace")
    return str(value)


def _size_of(value: object) -> int:
    """Bytes a tag value occupies, for the absurd-size guard (pictures included)."""
    if value is None:
        return 0
    if isinstance(value, bytes | bytearray):
        return len(value)
    if isinstance(value, str):
        return len(value.encode("utf-8", errors="replace"))
    if isinstance(value, list | tuple):
        return sum(_size_of(item) for item in value)
    return len(str(value))


def declared_size(path: Path, container: str) -> int:
    """Tag bytes the file's headers announce, read without parsing the tags (cheap, bounded)."""
    with path.open("rb") as fh:
        head = fh.read(10)
        if head.startswith(b"ID3") and len(head) == 10:
            size = 0
            for byte in head[6:10]:
                size = (size << 7) | (byte & 0x7F)
            return size
        if container == "flac" and head.startswith(b"fLaC"):
            return _flac_metadata_size(fh)
    return 0


def _flac_metadata_size(fh: Any) -> int:
    """Sum of the VORBIS_COMMENT (4) and PICTURE (6) block lengths; padding does not count."""
    fh.seek(4)
    total = 0
    for _ in range(1024):
        header = fh.read(4)
        if len(header) < 4:
            break
        kind, length = header[0] & 0x7F, int.from_bytes(header[1:4], "big")
        if kind in {4, 6}:
            total += length
        if header[0] & 0x80:
            break
        fh.seek(length, 1)
    return total
