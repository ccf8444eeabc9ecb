"""probe(): content decides, every accepted format is measured, every bad input gets its own reason."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tests.media_files import jpeg, synth
from tuneton.media.errors import (
    CorruptMedia,
    EmptyMedia,
    MediaError,
    NotAudio,
    TruncatedMedia,
    UnrecognisedFormat,
    UnsupportedCodec,
    UnsupportedContainer,
)
from tuneton.media.probe import probe


def png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0\0\0\0")) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("suffix", "container", "codec", "mime", "rate"),
    [
        ("mp3", "mp3", "mp3", "audio/mpeg", 44100),
        ("flac", "flac", "flac", "audio/flac", 44100),
        ("wav", "wav", "pcm_s16le", "audio/wav", 44100),
        ("ogg", "ogg", "vorbis", "audio/ogg", 44100),
        ("opus", "ogg", "opus", "audio/ogg", 48000),
        ("m4a", "mp4", "aac", "audio/mp4", 44100),
    ],
)
def test_supported_formats_are_measured(
    tmp_path: Path, suffix: str, container: str, codec: str, mime: str, rate: int
) -> None:
    # A neutral name: only the content can tell what it is.
    path = synth(tmp_path / "upload.bin", seconds=3.0, fmt=suffix)
    info = probe(path)
    assert (info.container, info.codec, info.mime_type) == (container, codec, mime)
    assert info.duration_s == pytest.approx(3.0, abs=0.1)
    assert (info.sample_rate, info.channels) == (rate, 2)
    assert info.bitrate is not None
    assert info.bitrate > 0
    assert info.size_bytes == path.stat().st_size


def test_the_file_name_is_never_trusted(tmp_path: Path) -> None:
    flac_named_mp3 = synth(tmp_path / "x.flac", seconds=1.0)
    assert probe(flac_named_mp3.rename(tmp_path / "song.mp3")).container == "flac"


def test_noise_and_a_long_file_are_fine(tmp_path: Path) -> None:
    info = probe(synth(tmp_path / "noise.mp3", seconds=30.0, source="anoisesrc=color=pink"))
    assert info.duration_s == pytest.approx(30.0, abs=0.1)


@pytest.mark.parametrize(
    ("make", "error", "reason"),
    [
        (lambda d: d.joinpath("empty.mp3").write_bytes(b""), EmptyMedia, "empty_file"),
        (lambda d: d.joinpath("image.mp3").write_bytes(png()), NotAudio, "not_audio"),
        (lambda d: d.joinpath("photo.mp3").write_bytes(jpeg()), NotAudio, "not_audio"),
        (lambda d: d.joinpath("notes.mp3").write_text("just some text\n"), NotAudio, "not_audio"),
        (lambda d: d.joinpath("a.mp3").write_bytes(b"PK\x03\x04" + bytes(100)), NotAudio, "not_audio"),
        (lambda d: d.joinpath("v.mp3").write_bytes(b"\x1a\x45\xdf\xa3" + bytes(100)), UnsupportedContainer,
         "unsupported_container"),
        (lambda d: d.joinpath("r.mp3").write_bytes(bytes(range(256)) * 20), UnrecognisedFormat, "unrecognised_format"),
    ],
)  # fmt: skip
def test_non_audio_is_refused_with_its_reason(
    tmp_path: Path, make: object, error: type[MediaError], reason: str
) -> None:
    make(tmp_path)  # type: ignore[operator]
    path = next(tmp_path.iterdir())
    with pytest.raises(error) as caught:
        probe(path)
    assert caught.value.reason == reason


def test_a_png_renamed_mp3_says_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "hit.mp3"
    path.write_bytes(png())
    with pytest.raises(NotAudio) as caught:
        probe(path)
    assert caught.value.details == {"detected": "png image"}
    assert caught.value.as_dict()["reason"] == "not_audio"


@pytest.mark.parametrize("suffix", ["mp3", "flac", "wav", "m4a", "ogg"])
def test_truncated_files_are_refused(tmp_path: Path, suffix: str) -> None:
    whole = synth(tmp_path / f"whole.{suffix}", seconds=4.0).read_bytes()
    cut = tmp_path / f"cut.{suffix}"
    cut.write_bytes(whole[: len(whole) // 2] if suffix != "ogg" else whole[:3000])
    with pytest.raises(CorruptMedia) as caught:
        probe(cut)
    assert caught.value.reason == "truncated"


def test_a_truncated_mp3_reports_both_durations(tmp_path: Path) -> None:
    whole = synth(tmp_path / "whole.mp3", seconds=4.0).read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(TruncatedMedia) as caught:
        probe(cut)
    assert caught.value.details["declared_s"] == pytest.approx(4.0, abs=0.1)
    assert caught.value.details["actual_s"] < 2.5


def test_an_id3_header_cut_short_is_truncated(tmp_path: Path) -> None:
    whole = synth(tmp_path / "whole.mp3", seconds=1.0).read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(whole[:20])
    with pytest.raises(TruncatedMedia):
        probe(cut)


@pytest.mark.parametrize(("suffix", "codec"), [("mp2", "mp2")])
def test_unsupported_codecs_name_the_codec(tmp_path: Path, suffix: str, codec: str) -> None:
    path = synth(tmp_path / f"x.{suffix}", seconds=1.0).rename(tmp_path / "x.mp3")
    with pytest.raises(UnsupportedCodec) as caught:
        probe(path)
    assert caught.value.details == {"codec": codec, "container": "mp3"}


def test_a_recognised_but_unsupported_container_is_refused(tmp_path: Path) -> None:
    path = synth(tmp_path / "x.ac3", seconds=1.0)
    with pytest.raises(UnsupportedContainer) as caught:
        probe(path)
    assert caught.value.details == {"container": "ac3"}


def test_video_is_refused(tmp_path: Path) -> None:
    import subprocess

    from tests.media_files import ffmpeg

    path = tmp_path / "clip.m4a"
    subprocess.run(
        [ffmpeg(), "-v", "error", "-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-f", "lavfi",
         "-i", "sine=duration=1", "-c:v", "mpeg4", "-c:a", "aac", "-f", "mp4", str(path)],
        check=True,
    )  # fmt: skip
    with pytest.raises(UnsupportedContainer):
        probe(path)


def test_missing_ffprobe_is_an_operator_error(tmp_path: Path) -> None:
    from tuneton.media.errors import MediaToolMissing

    path = synth(tmp_path / "a.mp3", seconds=1.0)
    with pytest.raises(MediaToolMissing):
        probe(path, ffprobe="ffprobe-that-does-not-exist")
