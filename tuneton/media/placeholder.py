"""A generated cover for tracks without art: a two-colour gradient, a record groove and the initials.

Colours and geometry come from a SHA-256 of (title, artist), so the picture is stable across runs,
machines and rebuilds (content-addressed storage dedupes it) yet varies between tracks. Initials are
drawn only when the font really has the glyph — DejaVu covers Latin, Cyrillic and Greek; for CJK,
emoji and other scripts the tile keeps its gradient and groove instead of showing tofu boxes. Nothing
here can raise on any Unicode input.
"""

from __future__ import annotations

import colorsys
import hashlib
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
)
_NOT_A_GLYPH = "\U0010fffd"  # private use: every font renders it as .notdef
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def render_placeholder(*, title: str, artist: str, size: int) -> Image.Image:
    """An RGB ``size`` x ``size`` cover for (title, artist)."""
    digest = hashlib.sha256(f"{title}\x00{artist}".encode("utf-8", errors="replace")).digest()
    start, end = _palette(digest)
    image = _gradient(start, end, size, angle=digest[4] % 4 * 90 + 45)
    draw = ImageDraw.Draw(image, "RGBA")  # RGBA drawing blends the translucent grooves
    _groove(draw, size, digest)
    initials = initials_of(title) or initials_of(artist)
    px = max(8, int(size * 0.34))
    font = _font(px)
    drawable = "".join(ch for ch in initials if _has_glyph(px, ch))
    if drawable:
        centre = (size / 2, size / 2)
        shadow = max(1, size // 150)
        draw.text((centre[0] + shadow, centre[1] + shadow), drawable, font=font, fill=(0, 0, 0), anchor="mm")
        draw.text(centre, drawable, font=font, fill=(255, 255, 255), anchor="mm")
    else:  # no letter we can draw: a record label and spindle hole instead
        label, hole = size * 0.14, max(1.0, size * 0.015)
        draw.ellipse((size / 2 - label, size / 2 - label, size / 2 + label, size / 2 + label), fill=(255, 255, 255, 70))
        draw.ellipse((size / 2 - hole, size / 2 - hole, size / 2 + hole, size / 2 + hole), fill=(0, 0, 0, 160))
    return image


def initials_of(text: str) -> str:
    """Up to two initials: the first letter or digit of the first two words, upper-cased.

    "Группа крови" -> "ГК", "東京事変" -> "東", "🎵 night drive" -> "N" (emoji are not letters).
    """
    initials = []
    for word in unicodedata.normalize("NFC", text).split():
        letter = next((ch for ch in word if ch.isalnum()), None)
        if letter is not None:
            upper = letter.upper()
            initials.append(upper if len(upper) == 1 else letter)
        if len(initials) == 2:
            break
    return "".join(initials)


def _palette(digest: bytes) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    hue = int.from_bytes(digest[:2], "big") / 65536
    shift = (40 + digest[2] % 80) / 360
    light = 0.38 + digest[3] % 10 / 100

    def rgb(h: float, lightness: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hls_to_rgb(h % 1.0, lightness, 0.55)
        return (round(r * 255), round(g * 255), round(b * 255))

    return rgb(hue, light), rgb(hue + shift, light - 0.16)


def _gradient(start: tuple[int, int, int], end: tuple[int, int, int], size: int, *, angle: int) -> Image.Image:
    mask = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BILINEAR, expand=False)
    mask = mask.crop((40, 40, 216, 216)).resize((size, size), Image.Resampling.BILINEAR)
    return Image.composite(Image.new("RGB", (size, size), end), Image.new("RGB", (size, size), start), mask)


def _groove(draw: ImageDraw.ImageDraw, size: int, digest: bytes) -> None:
    """Concentric rings like a record's grooves; ring count and spacing vary per track."""
    rings = 3 + digest[5] % 4
    width = max(1, size // 120)
    for ring in range(rings):
        radius = size * (0.46 - ring * (0.035 + digest[6] % 3 * 0.01))
        if radius <= size * 0.2:
            break
        box = (size / 2 - radius, size / 2 - radius, size / 2 + radius, size / 2 + radius)
        draw.ellipse(box, outline=(255, 255, 255, 40), width=width)


@lru_cache(maxsize=16)
def _font(px: int) -> Font:
    for candidate in FONT_CANDIDATES:
        if candidate.exists():
            return ImageFont.truetype(str(candidate), px)
    return ImageFont.load_default(size=px)


@lru_cache(maxsize=1024)
def _has_glyph(px: int, ch: str) -> bool:
    """True unless ``ch`` renders exactly like a private-use character, i.e. as the .notdef box."""
    try:
        rendered = _rendered(px, ch)
        return rendered != _rendered(px, _NOT_A_GLYPH) and any(rendered)
    except (OSError, ValueError, UnicodeError):
        return False


def _rendered(px: int, ch: str) -> bytes:
    canvas = Image.new("L", (px * 2, px * 2))
    ImageDraw.Draw(canvas).text((px // 2, px // 2), ch, font=_font(px), fill=255)
    return canvas.tobytes()
