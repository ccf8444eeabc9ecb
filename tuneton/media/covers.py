"""Cover art: the embedded picture resized to fixed square sizes, or a generated placeholder.

Clients lay out grids of 96 px thumbnails and 300/600 px detail views; serving pre-rendered JPEG
(everywhere) and WebP (smaller, for browsers that take it) at exactly those sizes keeps the player
from downloading a 3000 px scan to show a thumbnail. Images are untrusted input: the pixel count is
checked *before* decoding (decompression bombs), and a picture that does not decode is not an error
for the track — it just gets the placeholder, which is deterministic in (title, artist) so every
replica and every rebuild renders the same bytes.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import mutagen
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3
from mutagen.mp4 import MP4
from PIL import Image, ImageOps, UnidentifiedImageError

from tuneton.media.errors import InvalidCover
from tuneton.media.placeholder import render_placeholder
from tuneton.media.tagformats import load_id3

COVER_SIZES = (96, 300, 600)
COVER_FORMATS = ("jpeg", "webp")
MIME_TYPES = {"jpeg": "image/jpeg", "webp": "image/webp"}
MAX_COVER_BYTES = 16 * 1024 * 1024
MAX_COVER_PIXELS = 40_000_000  # 6000 x 6000 and a bit: far above real artwork, far below a bomb
FRONT_COVER = 3  # ID3 / FLAC picture type "Cover (front)"
MATTE = (24, 24, 24)  # what transparent pixels become: the player's dark background

CoverSource = Literal["embedded", "placeholder", "uploaded"]


@dataclass(frozen=True, kw_only=True)
class CoverImage:
    """One rendition: a square ``size`` x ``size`` image in ``format``."""

    size: int
    format: str
    data: bytes

    @property
    def mime_type(self) -> str:
        """Content-Type to serve it with."""
        return MIME_TYPES[self.format]


@dataclass(frozen=True, kw_only=True)
class CoverSet:
    """Every rendition of a track's cover and where it came from."""

    source: CoverSource
    images: tuple[CoverImage, ...]

    def get(self, size: int, fmt: str = "jpeg") -> CoverImage:
        """The rendition of ``size`` px in ``fmt``; KeyError when it was not rendered."""
        for image in self.images:
            if image.size == size and image.format == fmt:
                return image
        raise KeyError((size, fmt))


def covers_for(
    path: Path,
    *,
    container: str,
    title: str,
    artists: tuple[str, ...] = (),
    sizes: tuple[int, ...] = COVER_SIZES,
    formats: tuple[str, ...] = COVER_FORMATS,
) -> CoverSet:
    """The cover renditions for an audio file: its embedded picture if it decodes, else the placeholder."""
    picture = embedded_picture(path, container=container)
    if picture is not None:
        try:
            return CoverSet(source="embedded", images=render_cover(picture, sizes=sizes, formats=formats))
        except InvalidCover:
            pass  # a broken or absurd picture does not sink the track
    return placeholder_covers(title=title, artist=", ".join(artists), sizes=sizes, formats=formats)


def placeholder_covers(
    *, title: str, artist: str = "", sizes: tuple[int, ...] = COVER_SIZES, formats: tuple[str, ...] = COVER_FORMATS
) -> CoverSet:
    """Generated covers: the same (title, artist) always gives the same bytes."""
    images = tuple(
        _encode(render_placeholder(title=title, artist=artist, size=size), size, fmt)
        for size in sizes
        for fmt in formats
    )
    return CoverSet(source="placeholder", images=images)


def render_cover(
    data: bytes, *, sizes: tuple[int, ...] = COVER_SIZES, formats: tuple[str, ...] = COVER_FORMATS
) -> tuple[CoverImage, ...]:
    """Decode ``data``, centre-crop to a square and resize to each size (upscaling small art too).

    Raises :class:`InvalidCover` for undecodable data or images over the byte or pixel limits.
    """
    if len(data) > MAX_COVER_BYTES:
        raise InvalidCover(f"the image is {len(data)} bytes", size=len(data), limit=MAX_COVER_BYTES)
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_COVER_PIXELS:
                raise InvalidCover(f"the image is {width}x{height} pixels", width=width, height=height)
            opened.draft("RGB", (max(sizes), max(sizes)))  # JPEG: decode at reduced scale, much faster
            square = ImageOps.fit(_to_rgb(ImageOps.exif_transpose(opened)), (max(sizes), max(sizes)),
                                  Image.Resampling.LANCZOS)  # fmt: skip
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise InvalidCover("the image cannot be decoded", detail=str(error)[:200]) from None
    return tuple(_encode(_resized(square, size), size, fmt) for size in sizes for fmt in formats)


def embedded_picture(path: Path, *, container: str) -> bytes | None:
    """The front cover (else the first picture) embedded in the file's tags, as stored."""
    try:
        if container in {"mp3", "aac", "wav", "aiff"}:
            return _id3_picture(load_id3(path, container))
        if container == "flac":
            return _best([(p.type, p.data) for p in FLAC(path).pictures])
        if container == "ogg":
            return _ogg_picture(mutagen.File(path))
        if container == "mp4":
            tags = MP4(path).tags
            covers: list[bytes] = list(tags.get("covr", [])) if tags is not None else []
            return bytes(covers[0]) if covers else None
    except (mutagen.MutagenError, ValueError, KeyError, TypeError):
        return None
    return None


def _id3_picture(tags: ID3 | None) -> bytes | None:
    if tags is None:
        return None
    return _best([(frame.type, frame.data) for frame in tags.getall("APIC")])


def _ogg_picture(audio: mutagen.FileType | None) -> bytes | None:
    tags = getattr(audio, "tags", None)
    if tags is None:
        return None
    pictures = []
    for encoded in tags.get("metadata_block_picture", []):
        try:
            picture = Picture(base64.b64decode(encoded))
        except (ValueError, mutagen.MutagenError):
            continue
        pictures.append((picture.type, picture.data))
    return _best(pictures)


def _best(pictures: list[tuple[int, bytes]]) -> bytes | None:
    for kind, data in pictures:
        if kind == FRONT_COVER and data:
            return data
    return next((data for _, data in pictures if data), None)


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        matte = Image.new("RGB", rgba.size, MATTE)
        matte.paste(rgba, mask=rgba.getchannel("A"))
        return matte
    return image.convert("RGB")


def _resized(square: Image.Image, size: int) -> Image.Image:
    return square if square.width == size else square.resize((size, size), Image.Resampling.LANCZOS)


def _encode(image: Image.Image, size: int, fmt: str) -> CoverImage:
    buffer = io.BytesIO()
    if fmt == "jpeg":
        image.save(buffer, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=80, method=4)
    else:
        raise ValueError(f"unknown cover format {fmt!r}")
    return CoverImage(size=size, format=fmt, data=buffer.getvalue())
