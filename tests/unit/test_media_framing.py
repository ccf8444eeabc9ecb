"""Last-page and last-frame checks for formats that declare no total length (tuneton.media.framing)."""

from __future__ import annotations

import io
import struct

import pytest

from tuneton.media.framing import OGG_EOS, adts_frame_length, mpeg_frame_length, ogg_ending


def ogg_page(body: bytes, *, flags: int = 0, sequence: int = 0) -> bytes:
    """One Ogg page (CRC left zero: the walker reads structure, not checksums)."""
    segments = [255] * (len(body) // 255) + [len(body) % 255]
    header = struct.pack("<4sBBqIIIB", b"OggS", 0, flags, 0, 1, sequence, 0, len(segments))
    return header + bytes(segments) + body


def ending(data: bytes) -> tuple[bool, bool, int]:
    found = ogg_ending(io.BytesIO(data), len(data))
    return found.last_page_whole, found.ends_stream, found.pages


WHOLE = ogg_page(b"head" * 10, flags=0x02) + ogg_page(b"x" * 700, sequence=1) + ogg_page(b"y" * 9, flags=OGG_EOS)


@pytest.mark.parametrize(
    ("data", "expect"),
    [
        (WHOLE, (True, True, 3)),
        (WHOLE + b"TAG" + bytes(125), (True, True, 3)),  # foreign bytes after the last page are not a page
        (WHOLE[:-5], (False, False, 2)),  # cut inside the last page's body
        (WHOLE[: len(WHOLE) - len(ogg_page(b"y" * 9)) + 10], (False, False, 2)),  # cut inside its header
        (WHOLE[: len(WHOLE) - len(ogg_page(b"y" * 9))], (True, False, 2)),  # cut at a page boundary: no EOS
        (WHOLE[: len(WHOLE) - len(ogg_page(b"y" * 9)) + 2], (False, False, 2)),  # "Og" of the next page
    ],
)
def test_ogg_ending(data: bytes, expect: tuple[bool, bool, int]) -> None:
    assert ending(data) == expect


@pytest.mark.parametrize(
    ("header", "length"),
    [
        (bytes([0xFF, 0xFB, 0x90, 0x00]), 417),  # MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
        (bytes([0xFF, 0xFB, 0x92, 0x00]), 418),  # ... with the padding byte
        (bytes([0xFF, 0xFB, 0x94, 0x00]), 384),  # 128 kbit/s, 48 kHz
        (bytes([0xFF, 0xF3, 0x80, 0x00]), 208),  # MPEG-2 Layer III, 64 kbit/s, 22.05 kHz (72 x 64000 / 22050)
        (bytes([0xFF, 0xFD, 0x90, 0x00]), 522),  # MPEG-1 Layer II: index 9 is 160 kbit/s (144 x 160000 / 44100)
        (bytes([0xFF, 0xFF, 0x90, 0x00]), 78 * 4),  # MPEG-1 Layer I: index 9 is 288 kbit/s (12 x 288000 / 44100, x 4)
    ],
)
def test_mpeg_frame_length(header: bytes, length: int) -> None:
    assert mpeg_frame_length(header) == length


@pytest.mark.parametrize(
    "header",
    [
        b"\xff\xfb\x90",  # three bytes: no header yet
        bytes([0xFF, 0xFB, 0x00, 0x00]),  # free format: the header holds no length
        bytes([0xFF, 0xFB, 0xF0, 0x00]),  # bitrate index 15 is invalid
        bytes([0xFF, 0xFB, 0x9C, 0x00]),  # sample-rate index 3 is reserved
        bytes([0xFF, 0xEB, 0x90, 0x00]),  # version bits 01 are reserved
        b"ID3\x04",
    ],
)
def test_mpeg_non_headers_have_no_length(header: bytes) -> None:
    assert mpeg_frame_length(header) is None


def adts_header(length: int) -> bytes:
    """An ADTS header (no CRC) announcing a frame of ``length`` bytes."""
    return bytes([0xFF, 0xF1, 0x50, 0x80 | (length >> 11), (length >> 3) & 0xFF, ((length & 0x07) << 5) | 0x1F, 0xFC])


def test_adts_frame_length() -> None:
    assert adts_frame_length(adts_header(371)) == 371
    assert adts_frame_length(adts_header(8191)) == 8191
    assert adts_frame_length(adts_header(371)[:5]) is None
    assert adts_frame_length(b"\xff\xfb\x90\x00\x00\x00") is None  # an MP3 header is not ADTS
