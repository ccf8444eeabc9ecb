"""Synthesised audio files for the media tests: ffmpeg makes them, mutagen tags them; none are committed."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TPOS, TRCK, TSRC
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from PIL import Image

# suffix -> ffmpeg output arguments
ENCODINGS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "128k"],
    "flac": ["-c:a", "flac"],
    "wav": ["-c:a", "pcm_s16le"],
    "ogg": ["-c:a", "libvorbis", "-q:a", "2"],
    "opus": ["-c:a", "libopus", "-b:a", "64k"],
    "m4a": ["-c:a", "aac", "-b:a", "96k"],
    "mp2": ["-c:a", "mp2"],
    "ac3": ["-c:a", "ac3"],
}


def ffmpeg() -> str:
    """The ffmpeg binary, or a clear failure telling how to install it."""
    found = shutil.which("ffmpeg")
    if found is None:
        pytest.fail("ffmpeg is missing: run scripts/install-system.sh", pytrace=False)
    return found


def synth(path: Path, *, seconds: float = 2.0, source: str = "sine=frequency=440", fmt: str | None = None) -> Path:
    """Encode ``seconds`` of a lavfi ``source`` (sine, anoisesrc, ...) into ``path``, stereo 44.1 kHz."""
    suffix = fmt or path.suffix.lstrip(".")
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}:duration={seconds}", "-ac", "2",
         "-ar", "48000" if suffix == "opus" else "44100", *ENCODINGS[suffix], "-f", _muxer(suffix), str(path)],
        check=True,
    )  # fmt: skip
    return path


def encode_pcm(path: Path, y: np.ndarray, *, sr: int) -> Path:
    """Encode float audio ``y`` (shape (channels, frames)) into ``path``, the format by its suffix."""
    suffix = path.suffix.lstrip(".")
    pcm = np.ascontiguousarray(y.T, dtype="<f4").tobytes()
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-f", "f32le", "-ar", str(sr), "-ac", str(y.shape[0]), "-i", "pipe:0",
         *ENCODINGS[suffix], "-f", _muxer(suffix), str(path)],
        input=pcm,
        check=True,
    )  # fmt: skip
    return path


def _muxer(suffix: str) -> str:
    return {"m4a": "ipod", "opus": "ogg", "mp2": "mp2"}.get(suffix, suffix)


def jpeg(width: int = 800, height: int = 600, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A solid-colour JPEG (non-square on purpose: covers must be centre-cropped)."""
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def tag_id3(path: Path, *, cover: bytes | None = None, **text: str) -> None:
    """ID3v2.4 tags on an MP3 or WAV: title, artist, album, albumartist, track, disc, date, genre, isrc."""
    frames = {"title": TIT2, "artist": TPE1, "album": TALB, "albumartist": TPE2, "track": TRCK, "disc": TPOS,
              "date": TDRC, "genre": TCON, "isrc": TSRC}  # fmt: skip
    tags = ID3()
    for key, value in text.items():
        tags.add(frames[key](encoding=3, text=value.split("\x00")))
    if cover is not None:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=cover))
    tags.save(path)


def tag_vorbis(path: Path, *, cover: bytes | None = None, **fields: str | list[str]) -> None:
    """Vorbis comments on FLAC / Ogg Vorbis / Ogg Opus, with a FLAC PICTURE or METADATA_BLOCK_PICTURE."""
    audio = FLAC(path) if path.suffix == ".flac" else OggOpus(path) if path.suffix == ".opus" else OggVorbis(path)
    for key, value in fields.items():
        audio[key] = value if isinstance(value, list) else [value]
    if cover is not None:
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
        if isinstance(audio, FLAC):
            audio.add_picture(picture)
        else:
            audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
    audio.save()


def tag_mp4(path: Path, *, cover: bytes | None = None, isrc: str | None = None, **atoms: object) -> None:
    """MP4 atoms on an M4A (``©nam``-style keys passed as title/artist/album/...)."""
    names = {"title": "\xa9nam", "artist": "\xa9ART", "album": "\xa9alb", "albumartist": "aART", "date": "\xa9day",
             "genre": "\xa9gen", "track": "trkn", "disc": "disk"}  # fmt: skip
    audio = MP4(path)
    for key, value in atoms.items():
        audio[names[key]] = value if isinstance(value, list) else [value]
    if isrc is not None:
        audio["----:com.apple.iTunes:ISRC"] = [MP4FreeForm(isrc.encode())]
    if cover is not None:
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.save()


# ffmpeg arguments for re-encoding real music: ENCODINGS plus the container variants truncation depends on.
REAL_ENCODINGS = {
    **{suffix: (ENCODINGS[suffix], _muxer(suffix)) for suffix in ("ogg", "opus", "flac", "mp3", "m4a")},
    "oggflac": (["-c:a", "flac"], "ogg"),
    "mp3-no-xing": (["-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0"], "mp3"),
    "m4a-faststart": ([*ENCODINGS["m4a"], "-movflags", "+faststart"], "ipod"),
    "aac": (ENCODINGS["m4a"], "adts"),
}


def real_song(path: Path, *, encoding: str, seconds: float = 12.0, name: str = "calm/calm_acoustic_1.opus") -> Path:
    """The first ``seconds`` of a real full mix (PyPI ``immich-memories-music``, MIT) encoded as ``encoding``."""
    try:
        import immich_memories_music
    except ImportError:
        pytest.skip("pip install immich-memories-music (the dev extra) for real-music tests")
    source = Path(immich_memories_music.__file__).parent / "tracks" / name
    codec, muxer = REAL_ENCODINGS[encoding]
    subprocess.run(
        [ffmpeg(), "-v", "error", "-y", "-i", str(source), "-t", str(seconds), *codec, "-f", muxer, str(path)],
        check=True,
    )  # fmt: skip
    return path
