"""Whether a file's last frame or page is whole: truncation in formats that declare no total length.

ffprobe compares where the packets end with the duration the headers declare (tuneton.media.probe),
which catches a cut FLAC, M4A or Xing-headed MP3. Three formats declare nothing to compare with:

* **Ogg** (Vorbis, Opus, FLAC): the duration is the granule position of the last page *present*, so
  a cut file reports its own shorter length. But every logical stream ends with a page flagged
  end-of-stream (RFC 3533 §6), and each page says how long it is: a file whose last page is cut, or
  that stops at a page boundary without that flag, was cut.
* **MP3 without a Xing/VBRI header** and **ADTS AAC**: each frame header says how long the frame is,
  so a file that ends inside its last frame was cut. One cut exactly at a frame boundary is a valid,
  shorter file: nothing in these formats can tell.

Pure functions over bytes and a seekable binary file; no ffmpeg.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

OGG_CAPTURE = b"OggS"
OGG_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, sequence, crc, segments
OGG_EOS = 0x04

# MPEG-1/2/2.5 audio: kbit/s by (is MPEG-1, layer) and the 4-bit index (0 = free format, 15 = invalid).
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_SAMPLE_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}  # by version bits


@dataclass(frozen=True, kw_only=True)
class OggEnding:
    """How an Ogg file ends: whether its last page is whole and flagged end-of-stream."""

    pages: int
    last_page_whole: bool
    ends_stream: bool
    whole_bytes: int  # where the last whole page ends


def ogg_ending(fh: BinaryIO, size: int) -> OggEnding:
    """Walk the page headers of an Ogg file (seeking over the bodies) and report how it ends.

    Stops at the first position that holds no page (trailing bytes that are not Ogg are ignored).
    """
    pages, position, ends_stream = 0, 0, False
    while position + OGG_HEADER.size <= size:
        fh.seek(position)
        header = fh.read(OGG_HEADER.size)
        capture, _, flags, _, _, _, _, segments = OGG_HEADER.unpack(header)
        if capture != OGG_CAPTURE:
            break
        table = fh.read(segments)
        end = position + OGG_HEADER.size + segments + sum(table)
        if len(table) < segments or end > size:
            return OggEnding(pages=pages, last_page_whole=False, ends_stream=False, whole_bytes=position)
        pages, position, ends_stream = pages + 1, end, bool(flags & OGG_EOS)
    whole = position == size or (pages > 0 and not _starts_page(fh, position, size))
    return OggEnding(pages=pages, last_page_whole=whole, ends_stream=ends_stream, whole_bytes=position)


def _starts_page(fh: BinaryIO, position: int, size: int) -> bool:
    """Whether the bytes after the last whole page begin another (cut) page, rather than foreign data."""
    fh.seek(position)
    head = fh.read(min(len(OGG_CAPTURE), size - position))
    return OGG_CAPTURE.startswith(head) if head else False


def mpeg_frame_length(header: bytes) -> int | None:
    """Length in bytes of the MPEG audio frame starting with ``header`` (4 bytes), or None if unknown.

    None for anything that is not a frame header, and for free-format frames (no length in the header).
    """
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 0x03, (header[1] >> 1) & 0x03
    bitrate_index, rate_index, padding = header[2] >> 4, (header[2] >> 2) & 0x03, (header[2] >> 1) & 0x01
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    layer, mpeg1 = 4 - layer_bits, version == 3
    bitrate = _BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _SAMPLE_RATES[version][rate_index]
    if layer == 1:
        return (12 * bitrate // rate + padding) * 4
    per_frame = 144 if layer == 2 or mpeg1 else 72
    return per_frame * bitrate // rate + padding


def adts_frame_length(header: bytes) -> int | None:
    """Length in bytes (header included) of the ADTS frame starting with ``header`` (6+ bytes), or None."""
    if len(header) < 6 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
        return None
    length = ((header[3] & 0x03) << 11) | (header[4] << 3) | (header[5] >> 5)
    return length or None
