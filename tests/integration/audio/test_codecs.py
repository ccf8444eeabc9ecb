"""Decoding and progressive encoding through the real ffmpeg (scripts/install-system.sh installs it)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile

from tests.audio_signals import SR, attack_times, click_track, harmonic_tone
from tuneton.audio import DecodeError, OutputFormat, ParameterError, Quality, RenderParams
from tuneton.audio.decode import decode, decode_bytes, sha256_file
from tuneton.audio.encode import StreamEncoder, encode
from tuneton.audio.render import iter_segments

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg missing: run scripts/install-system.sh")


def write_wav(path: Path, y: np.ndarray, sr: int = SR) -> Path:
    soundfile.write(str(path), y.T, sr, subtype="FLOAT")
    return path


def test_decode_wav_round_trip(tmp_path: Path) -> None:
    y = harmonic_tone(220.0, 1.0)
    y[1] *= 0.5
    out = decode(write_wav(tmp_path / "a.wav", y))
    assert out.shape == y.shape
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, y, atol=1e-6)


def test_decode_resamples_and_mixes(tmp_path: Path) -> None:
    y = harmonic_tone(220.0, 1.0, sr=48000, channels=1)
    out = decode(write_wav(tmp_path / "b.wav", y, 48000), sr=SR, channels=2)
    assert out.shape[0] == 2
    assert abs(out.shape[1] - SR) <= 64
    np.testing.assert_array_equal(out[0], out[1])


def test_decode_bytes_matches_decode(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "c.wav", harmonic_tone(330.0, 0.5))
    np.testing.assert_array_equal(decode_bytes(path.read_bytes()), decode(path))


def test_sha256_file(tmp_path: Path) -> None:
    path = tmp_path / "d.bin"
    path.write_bytes(b"tuneTON" * 1000)
    assert sha256_file(path) == hashlib.sha256(b"tuneTON" * 1000).hexdigest()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda p: p / "missing.mp3", DecodeError),
        (lambda p: (p / "junk.mp3").write_bytes(b"not audio at all" * 64) and p / "junk.mp3", DecodeError),
        (lambda p: (p / "empty.wav").touch() or p / "empty.wav", DecodeError),
    ],
)
def test_decode_failures(tmp_path: Path, make: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        decode(make(tmp_path))  # type: ignore[operator]
    with pytest.raises(DecodeError):
        sha256_file(tmp_path / "nothing-here")


@pytest.mark.parametrize(("kwargs", "field"), [({"sr": 1000}, "sr"), ({"channels": 3}, "channels")])
def test_decode_validates(tmp_path: Path, kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{field}="):
        decode(tmp_path / "x.wav", **kwargs)


def playlist_segments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(".m4s")]


def test_hls_playlist_grows_while_rendering(tmp_path: Path) -> None:
    y = harmonic_tone(220.0, 12.0)
    params = RenderParams(pitch_cents=200, tempo=1.2, quality=Quality.PREVIEW)
    encoder = StreamEncoder(tmp_path / "hls", sr=SR, channels=2, output_format=OutputFormat.AAC_HLS)
    seen: list[int] = []
    for segment in iter_segments(y, sr=SR, params=params, first_segment_s=1.0, segment_s=2.0):
        encoder.write(segment.audio)
        if segment.index == 3:  # 7 s of 10 written: the playlist is live, growing, not finished
            for _ in range(100):
                playlist = tmp_path / "hls" / "playlist.m3u8"
                if playlist.exists() and len(playlist_segments(playlist.read_text())) >= 2:
                    break
                __import__("time").sleep(0.05)
            text = playlist.read_text()
            assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
            assert "#EXT-X-ENDLIST" not in text
            seen.append(len(playlist_segments(text)))
    entry = encoder.close()
    text = entry.read_text()
    assert "#EXT-X-ENDLIST" in text
    assert '#EXT-X-MAP:URI="init.mp4"' in text
    assert len(playlist_segments(text)) > seen[0] >= 2
    assert not list((tmp_path / "hls").glob("*.tmp"))
    decoded = decode(entry)
    assert abs(decoded.shape[1] / SR - 10.0) < 0.05  # 12 s at tempo 1.2, AAC priming trimmed


@pytest.mark.parametrize("output_format", [OutputFormat.AAC_HLS, OutputFormat.MP3])
def test_encoded_timeline_has_no_gaps(tmp_path: Path, output_format: OutputFormat) -> None:
    y, beats = click_track(7.0)  # clicks on both sides of the HLS segment joins at 1 s and 5 s
    with StreamEncoder(tmp_path / "g", sr=SR, channels=2, output_format=output_format) as enc:
        for segment in iter_segments(y, sr=SR, params=RenderParams()):
            enc.write(segment.audio)
    decoded = decode(enc.entry)
    reference = attack_times(y[0], sr=SR, near=beats)
    offsets = attack_times(decoded[0], sr=SR, near=reference + enc.priming_s) - reference
    # one constant offset, the encoder priming: no gap or overlap anywhere in the timeline
    np.testing.assert_allclose(offsets, enc.priming_s, atol=0.0006)


def test_hls_has_no_dropouts(tmp_path: Path) -> None:
    entry = encode(harmonic_tone(440.0, 6.0, level=0.5), tmp_path / "d", sr=SR, output_format=OutputFormat.AAC_HLS)
    decoded = decode(entry)[0]
    frame = SR // 100
    rms = np.sqrt(np.mean(decoded[: decoded.size // frame * frame].reshape(-1, frame) ** 2, axis=1))[5:-5]
    assert rms.min() > 0.9 * np.median(rms)


def test_mp3_stream(tmp_path: Path) -> None:
    y = harmonic_tone(220.0, 4.0)
    with StreamEncoder(tmp_path / "m", sr=SR, channels=2, output_format=OutputFormat.MP3) as enc:
        enc.write(y[:, : 2 * SR])
        enc.write(y[:, 2 * SR :])
    assert enc.entry.name == "render.mp3"
    decoded = decode(enc.entry)
    assert abs(decoded.shape[1] / SR - 4.0) < 0.06  # LAME delay/padding, no Xing header to trim it


def test_encoder_reports_ffmpeg_failure(tmp_path: Path) -> None:
    enc = StreamEncoder(tmp_path / "bad", sr=SR, channels=2, output_format=OutputFormat.AAC_HLS)
    with pytest.raises(Exception, match="expected"):
        enc.write(np.zeros((3, 10), np.float32))
    enc.abort()


def edit_list_media_time(init: bytes) -> int:
    """``media_time`` of the first edit of the first track in an MP4 init segment (moov/trak/edts/elst)."""
    at = init.index(b"elst") + 4  # the box body: version, flags, entry count, then the entries
    version, count = init[at], int.from_bytes(init[at + 4 : at + 8], "big")
    assert count >= 1
    entry = init[at + 8 : at + 8 + (16 if version else 8)]
    offset = 8 if version else 4
    return int.from_bytes(entry[offset : offset * 2], "big", signed=True)


def test_hls_marks_the_encoder_priming_so_the_timeline_is_sample_accurate(tmp_path: Path) -> None:
    """Regression: init.mp4 said media_time 0, so players played the AAC priming as content (23 ms late)."""
    y, _ = click_track(3.0)
    with StreamEncoder(tmp_path / "p", sr=SR, channels=2, output_format=OutputFormat.AAC_HLS) as enc:
        enc.write(y)
    assert edit_list_media_time((tmp_path / "p" / "init.mp4").read_bytes()) == 1024
    # Decode as a player does: keep timestamps, drop what the timeline places before 0.
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-copyts", "-i", str(enc.entry), "-af", "atrim=start=0", "-ac", "1", "-f", "f32le",
         "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    decoded = np.frombuffer(pcm, "<f4")
    reference = y.mean(axis=0)
    window = reference[: 2 * SR]
    lags = np.correlate(decoded[: window.size + 2048], window, "valid")
    assert int(np.argmax(lags)) == 0  # sample-accurate: the render starts where /positions says
    assert abs(decoded.size - reference.size) < 1024  # only the encoder's tail padding remains
