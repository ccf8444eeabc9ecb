"""Build the demo catalog's files: real music (or synthesised chords), real tags, embedded covers.

Music comes from the PyPI package ``immich-memories-music`` (MIT, 28 full mixes of ~30 s, Opus; see
``/shared/notes/test-audio.md``) when it is installed (``pip install 'tuneton[demo]'``); otherwise
ffmpeg synthesises a chord progression per track. Files are written once into a cache directory
outside the checkout (``~/.cache/tuneton/demo/v1``) and are byte-for-byte reproducible (bitexact
encoding, fixed tags, deterministic covers), so seeding twice finds every file a duplicate.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import random
import shutil
import subprocess
from pathlib import Path

from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK
from mutagen.oggopus import OggOpus
from PIL import Image, ImageDraw

from tuneton.catalog.demo_catalog import ALBUMS, DemoAlbum

VERSION = "v1"
SYNTH_SECONDS = 24
_ENCODE = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3"],
    "flac": ["-c:a", "flac", "-f", "flac"],
    "opus": ["-c:a", "libopus", "-b:a", "128k", "-f", "ogg"],
}
_CHORDS = ((261.63, 329.63, 392.0), (220.0, 261.63, 329.63), (174.61, 220.0, 261.63), (196.0, 246.94, 293.66))


def music_sources() -> list[Path]:
    """The packaged mixes, in a stable order, or [] when the package is not installed."""
    spec = importlib.util.find_spec("immich_memories_music")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))) / "tracks"
    return sorted(root.rglob("*.opus"))


def build(cache_dir: Path) -> Path:
    """Write every demo file under ``cache_dir/VERSION`` (skipping those already there); return that folder."""
    target = cache_dir / VERSION
    sources = music_sources()
    number = 0
    for album_index, album in enumerate(ALBUMS):
        cover = cover_art(album, album_index)
        folder = target / f"{album_index + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for track_index, (title, artist) in enumerate(album.tracks):
            path = folder / f"{track_index + 1:02d}.{album.suffix}"
            if not path.exists():
                partial = path.with_suffix(".part")
                source = sources[number * 2 % len(sources)] if sources else None  # every other mix: variety
                _encode(partial, album.suffix, source, number)
                _tag(partial, album, track_index, title, artist, cover)
                partial.replace(path)
            number += 1
    return target


def cover_art(album: DemoAlbum, seed: int, size: int = 900) -> bytes:
    """A deterministic abstract cover: a two-colour gradient with circles and bands (no text: any script)."""
    rng = random.Random(f"{album.title}/{seed}")  # noqa: S311 - art, not security
    start, end = album.palette
    image = Image.linear_gradient("L").resize((size, size)).rotate(rng.choice((0, 45, 90, 135)))
    image = Image.composite(Image.new("RGB", (size, size), start), Image.new("RGB", (size, size), end), image)
    draw = ImageDraw.Draw(image, "RGBA")
    for _ in range(7):
        x, y, r = rng.randrange(size), rng.randrange(size), rng.randrange(size // 12, size // 3)
        draw.ellipse((x - r, y - r, x + r, y + r), outline=(255, 255, 255, 150), width=max(2, size // 150))
    for band in range(4):
        top = size * (0.6 + band * 0.07)
        draw.rectangle((0, top, size, top + size * 0.025), fill=(*end, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _encode(path: Path, suffix: str, source: Path | None, number: int) -> None:
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise RuntimeError("ffmpeg is needed for the demo catalog; run scripts/install-system.sh")
    if source is not None:
        inputs = ["-i", str(source)]
    else:  # a synthesised chord loop, a different progression per track
        chord = _CHORDS[number % len(_CHORDS)]
        expression = "+".join(f"0.2*sin(2*PI*{f * (1 + number % 3 * 0.125):.2f}*t)" for f in chord)
        inputs = ["-f", "lavfi", "-i", f"aevalsrc='({expression})*(0.6+0.4*sin(2*PI*0.5*t))':s=48000:d={SYNTH_SECONDS}"]
    args = [ffmpeg, "-nostdin", "-v", "error", "-y", *inputs, "-map", "0:a:0", "-map_metadata", "-1", "-ac", "2",
            "-fflags", "+bitexact", "-flags:a", "+bitexact", *_ENCODE[suffix], str(path)]  # fmt: skip
    subprocess.run(args, check=True, capture_output=True)  # noqa: S603 - fixed arguments, no shell


def _tag(path: Path, album: DemoAlbum, index: int, title: str, artist: str, cover: bytes) -> None:
    number = f"{index + 1}/{len(album.tracks)}"
    if album.suffix == "mp3":
        tags = ID3()
        for frame in (TIT2(text=title), TPE1(text=artist), TALB(text=album.title), TPE2(text=album.artist),
                      TRCK(text=number), TDRC(text=str(album.year)), TCON(text=album.genre)):  # fmt: skip
            frame.encoding = 3
            tags.add(frame)
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=cover))
        tags.save(path, v2_version=4, padding=lambda _: 0)
        return
    audio = FLAC(path) if album.suffix == "flac" else OggOpus(path)
    fields = {"title": title, "artist": artist, "album": album.title, "albumartist": album.artist,
              "tracknumber": number, "date": str(album.year), "genre": album.genre}  # fmt: skip
    for key, value in fields.items():
        audio[key] = [value]
    picture = Picture()
    picture.type, picture.mime, picture.desc, picture.data = 3, "image/jpeg", "front", cover
    picture.width = picture.height = 900
    if isinstance(audio, FLAC):
        audio.add_picture(picture)
        audio.save(padding=lambda _: 0)
    else:
        audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
        audio.save(padding=lambda _: 0)
