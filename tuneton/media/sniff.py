"""Content sniffing: decide what a file is from its first bytes, never from its name.

A client controls the file name (``song.mp3`` may be a PNG), so the container is chosen here from
magic numbers and then *forced* on ffprobe (``-f``), which makes ffprobe's own extension-based guess
irrelevant. Known non-audio signatures are refused with what they are, so the uploader gets a precise
reason ("this is a PNG image") instead of a generic decoder error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tuneton.media.errors import EmptyMedia, NotAudio, TruncatedMedia, UnsupportedContainer

HEAD_BYTES = 64
ID3_HEADER = 10
MAX_ID3_SKIPS = 3  # files with several stacked ID3v2 tags exist; more than this is not a music file

# Not audio at all: signature -> what it is (reported to the uploader).
_NOT_AUDIO: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", "png image"),
    (0, b"\xff\xd8\xff", "jpeg image"),
    (0, b"GIF87a", "gif image"),
    (0, b"GIF89a", "gif image"),
    (8, b"WEBP", "webp image"),
    (0, b"BM", "bmp image"),
    (0, b"II*\x00", "tiff image"),
    (0, b"MM\x00*", "tiff image"),
    (0, b"%PDF", "pdf document"),
    (0, b"PK\x03\x04", "zip archive"),
    (0, b"\x1f\x8b", "gzip archive"),
    (0, b"7z\xbc\xaf\x27\x1c", "7z archive"),
    (0, b"Rar!", "rar archive"),
    (0, b"\x7fELF", "executable"),
    (0, b"MZ", "executable"),
)

# Containers that may hold sound but that we do not ingest.
_UNSUPPORTED: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\x1a\x45\xdf\xa3", "matroska"),
    (8, b"AVI ", "avi"),
    (0, b"FLV", "flv"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "asf"),
    (0, b"MThd", "midi"),
    (0, b"wvpk", "wavpack"),
    (0, b"MAC ", "monkeys_audio"),
)


@dataclass(frozen=True, kw_only=True)
class Sniffed:
    """What the first bytes say.

    ``container`` is our name for the family (mp3, aac, flac, wav, ogg, mp4, aiff) and ``demuxer`` the
    ffmpeg demuxer to force. Both are ``None`` when no signature matched but the bytes are not obviously
    something else (e.g. an MP3 with leading junk): then ffprobe guesses from content alone, under a
    neutral file name. ``audio_offset`` is where the audio starts (after leading ID3v2 tags).
    """

    container: str | None
    demuxer: str | None
    audio_offset: int = 0


def sniff_file(path: Path) -> Sniffed:
    """Sniff ``path``; raises :class:`NotAudio`, :class:`UnsupportedContainer` or a :class:`CorruptMedia`."""
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
        if not head:
            raise EmptyMedia("the file is empty (0 bytes)")
        offset = 0
        for _ in range(MAX_ID3_SKIPS):
            if not head.startswith(b"ID3") or len(head) < ID3_HEADER:
                break
            offset += id3v2_total_size(head)
            head = _read_at(fh, offset)
        if offset and not head:
            raise TruncatedMedia("the file ends in or right after its ID3 tag, before any audio")
    found = sniff_head(head)
    if found is None:
        if not offset and _looks_like_text(head):
            raise NotAudio("the file is text, not audio", detected="text")
        return Sniffed(container=None, demuxer=None, audio_offset=offset)  # ffprobe decides from content
    container, demuxer = found
    return Sniffed(container=container, demuxer=demuxer, audio_offset=offset)


def sniff_head(head: bytes) -> tuple[str, str] | None:
    """Return (container, ffmpeg demuxer) for an audio signature, raise for a known non-audio one."""
    for at, magic, what in _NOT_AUDIO:
        if head[at : at + len(magic)] == magic:
            raise NotAudio(f"the file is a {what}, not audio", detected=what)
    for at, magic, what in _UNSUPPORTED:
        if head[at : at + len(magic)] == magic:
            raise UnsupportedContainer(f"{what} files are not supported", container=what)
    return _audio_signature(head)


def id3v2_total_size(head: bytes) -> int:
    """Bytes an ID3v2 tag occupies: 10-byte header + syncsafe size (+ 10-byte footer when flagged)."""
    size = 0
    for byte in head[6:10]:
        size = (size << 7) | (byte & 0x7F)
    footer = ID3_HEADER if head[5] & 0x10 else 0
    return ID3_HEADER + size + footer


def _audio_signature(head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"fLaC"):
        return ("flac", "flac")
    if head.startswith(b"OggS"):
        return ("ogg", "ogg")
    if head[:4] in (b"RIFF", b"RF64") and head[8:12] == b"WAVE":
        return ("wav", "wav")
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return ("aiff", "aiff")
    if head[4:8] == b"ftyp":
        return ("mp4", "mov")
    return _mpeg_frame(head)


def _mpeg_frame(head: bytes) -> tuple[str, str] | None:
    """An MPEG audio frame header (MP1/2/3) or an ADTS AAC header at the very start."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0x3
    if layer == 0:
        return ("aac", "aac") if head[1] & 0xF6 == 0xF0 else None
    version = (head[1] >> 3) & 0x3
    bitrate_index, rate_index = head[2] >> 4, (head[2] >> 2) & 0x3
    if version == 1 or bitrate_index == 0xF or rate_index == 0x3:
        return None  # reserved values: random bytes that happen to start with 0xFFE
    return ("mp3", "mp3")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False  # binary, or UTF-8 cut mid-character: let ffprobe look
    return all(ch.isprintable() or ch.isspace() for ch in text)


def _read_at(fh: BinaryIO, offset: int) -> bytes:
    fh.seek(offset)
    return fh.read(HEAD_BYTES)
