"""The render service's pipeline on real files: source file in, a playable HLS render out."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio_signals import SR, harmonic_cents, harmonic_tone
from tests.media_files import ffmpeg
from tuneton.audio import DecodeError, OutputFormat, RenderParams
from tuneton.audio.analysis import loudness_lufs
from tuneton.audio.decode import decode
from tuneton.audio.pipeline import expected_segments, render_file


def hls_audio(out: Path) -> np.ndarray:
    """Decode the render the way a player would: the playlist's init section and segments, in order."""
    playlist = (out / "playlist.m3u8").read_text()
    names = ["init.mp4", *[line for line in playlist.splitlines() if line and not line.startswith("#")]]
    joined = out / "joined.mp4"
    joined.write_bytes(b"".join((out / name).read_bytes() for name in names))
    pcm = subprocess.run([ffmpeg(), "-v", "error", "-i", str(joined), "-f", "f32le", "-ac", "1", "-ar", str(SR), "-"],
                         check=True, capture_output=True).stdout  # fmt: skip
    return np.frombuffer(pcm, dtype="<f4")


@pytest.mark.parametrize(("cents", "tempo"), [(700, 0.8), (-300, 1.5)])
def test_a_wav_renders_to_hls_with_the_asked_pitch_and_length(tmp_path: Path, cents: int, tempo: float) -> None:
    source = tmp_path / "tone.wav"
    seconds = 6.0
    sf.write(source, harmonic_tone(220.0, seconds).T, SR, subtype="PCM_16")
    params = RenderParams(pitch_cents=cents, tempo=tempo)
    out = tmp_path / "out"
    rendered = render_file(source, out, params=params, engine_name="rubberband-r3", frames_hint=round(seconds * SR))

    assert rendered.frames == round(seconds * SR / tempo)
    playlist = (out / "playlist.m3u8").read_text()
    assert playlist.rstrip().endswith("#EXT-X-ENDLIST")
    assert playlist.count(".m4s") == pytest.approx(expected_segments(seconds, tempo=tempo), abs=1)
    audio = hls_audio(out)
    assert len(audio) / SR == pytest.approx(seconds / tempo, abs=0.05)  # AAC frames are 23 ms
    middle = audio[len(audio) // 4 : 3 * len(audio) // 4]
    assert max(abs(c) for c in harmonic_cents(middle, sr=SR, f0=220.0 * 2 ** (cents / 1200))) <= 5
    assert np.abs(audio).max() <= 1.0


def test_an_undecodable_source_raises_and_leaves_no_complete_playlist(tmp_path: Path) -> None:
    source = tmp_path / "junk.mp3"
    source.write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\x00garbage" * 500)
    out = tmp_path / "out"
    with pytest.raises(DecodeError):
        render_file(source, out, params=RenderParams(pitch_cents=100), engine_name="rubberband-r3", frames_hint=SR)
    playlist = out / "playlist.m3u8"
    assert not playlist.exists() or "#EXT-X-ENDLIST" not in playlist.read_text()


def test_an_mp3_render_reports_the_loudness_of_its_output(tmp_path: Path) -> None:
    """Regression: the result carried the source's loudness; the MP3 encoder's low-pass changes it."""
    source = tmp_path / "bright.wav"
    seconds = 5.0
    rng = np.random.default_rng(3)
    y = harmonic_tone(440.0, seconds, level=0.3) + rng.normal(0, 0.05, (2, round(seconds * SR))).astype(np.float32)
    sf.write(source, y.T, SR, subtype="FLOAT")
    params = RenderParams(pitch_cents=100, output_format=OutputFormat.MP3)
    rendered = render_file(source, tmp_path / "out", params=params, engine_name="rubberband-r3",
                           frames_hint=round(seconds * SR))  # fmt: skip
    assert rendered.entry.name == "render.mp3"
    heard = loudness_lufs(decode(rendered.entry, sr=SR), sr=SR)
    assert rendered.lufs == pytest.approx(heard, abs=1e-6)
    assert rendered.lufs != pytest.approx(loudness_lufs(y, sr=SR), abs=0.1)  # not the source's
