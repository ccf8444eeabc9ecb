"""Covers: embedded art from every tag format, square renditions, a deterministic placeholder otherwise."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.media_files import jpeg, synth, tag_id3, tag_mp4, tag_vorbis
from tuneton.media.covers import COVER_SIZES, CoverSet, covers_for, placeholder_covers, render_cover
from tuneton.media.errors import InvalidCover
from tuneton.media.probe import probe


def covers(path: Path, title: str = "t", artists: tuple[str, ...] = ()) -> CoverSet:
    return covers_for(path, container=probe(path).container, title=title, artists=artists)


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def assert_renditions(cover_set: CoverSet) -> None:
    assert {(image.size, image.format) for image in cover_set.images} == {
        (size, fmt) for size in COVER_SIZES for fmt in ("jpeg", "webp")
    }
    for image in cover_set.images:
        pil = decoded(image.data)
        assert pil.size == (image.size, image.size)
        assert pil.format == image.format.upper()
        assert image.mime_type == f"image/{image.format}"


@pytest.mark.parametrize("suffix", ["mp3", "flac", "ogg", "opus", "m4a"])
def test_embedded_art_from_every_format(tmp_path: Path, suffix: str) -> None:
    path = synth(tmp_path / f"a.{suffix}")
    art = jpeg(800, 600, (200, 30, 30))
    if suffix == "mp3":
        tag_id3(path, title="x", cover=art)
    elif suffix == "m4a":
        tag_mp4(path, title="x", cover=art)
    else:
        tag_vorbis(path, TITLE="x", cover=art)
    cover_set = covers(path)
    assert cover_set.source == "embedded"
    assert_renditions(cover_set)
    red, green, blue = decoded(cover_set.get(300).data).getpixel((150, 150))  # type: ignore[misc]
    assert red > 150
    assert green < 80
    assert blue < 80


def test_rendering_centre_crops_to_a_square() -> None:
    wide = Image.new("RGB", (900, 300), (0, 0, 255))
    wide.paste((255, 255, 0), (0, 0, 300, 300))  # the left third is yellow and must be cropped away
    buffer = io.BytesIO()
    wide.save(buffer, "PNG")
    image = decoded(next(i for i in render_cover(buffer.getvalue()) if i.size == 96 and i.format == "jpeg").data)
    assert image.getpixel((2, 48))[2] > 200  # type: ignore[index]


def test_transparent_art_gets_a_dark_matte() -> None:
    buffer = io.BytesIO()
    Image.new("RGBA", (50, 50), (255, 255, 255, 0)).save(buffer, "PNG")
    image = decoded(render_cover(buffer.getvalue(), sizes=(96,), formats=("jpeg",))[0].data)
    assert max(image.getpixel((48, 48))) < 60  # type: ignore[arg-type]


def test_a_file_without_art_gets_the_placeholder(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    cover_set = covers(path, title="Кукушка", artists=("Кино",))
    assert cover_set.source == "placeholder"
    assert_renditions(cover_set)


def test_broken_embedded_art_falls_back_to_the_placeholder(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tag_id3(path, title="x", cover=b"\xff\xd8\xff\xe0 not really a jpeg")
    assert covers(path).source == "placeholder"


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"not an image", "invalid_cover"), (b"\x89PNG\r\n\x1a\n" + bytes(30), "invalid_cover")],
)
def test_undecodable_images_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(InvalidCover) as caught:
        render_cover(data)
    assert caught.value.reason == reason


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    buffer = io.BytesIO()
    Image.new("1", (8000, 8000)).save(buffer, "PNG")  # tiny file, 64 megapixels
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(InvalidCover) as caught:
        render_cover(buffer.getvalue())
    assert caught.value.details == {"width": 8000, "height": 8000}


@pytest.mark.parametrize(
    ("title", "artist"),
    [("Кукушка", "Кино"), ("群青日和", "東京事変"), ("🎸🔥", "🎤"), ("", ""), ("Straße", "Motörhead"),
     ("\u202e\u0000weird\ufffd", "\U0010fffd"), ("x" * 5000, "y")],
)  # fmt: skip
def test_placeholders_render_any_text(title: str, artist: str) -> None:
    cover_set = placeholder_covers(title=title, artist=artist)
    assert_renditions(cover_set)


def test_placeholders_are_deterministic_and_differ_per_track() -> None:
    first = placeholder_covers(title="Кукушка", artist="Кино", sizes=(96,), formats=("jpeg",))
    again = placeholder_covers(title="Кукушка", artist="Кино", sizes=(96,), formats=("jpeg",))
    other = placeholder_covers(title="Звезда по имени Солнце", artist="Кино", sizes=(96,), formats=("jpeg",))
    assert first.images[0].data == again.images[0].data
    assert first.images[0].data != other.images[0].data
