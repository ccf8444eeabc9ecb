"""The analysis step of an ingest on real files: known tempo and key come out, nothing measurable is None."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from commands.ingest_steps import MAX_ANALYSED_S, MediaSteps, analyse_file
from tests.audio_signals import SR, groove, harmonic_tone
from tests.media_files import encode_pcm
from tuneton.audio.errors import DecodeError
from tuneton.media.probe import AudioInfo

INFO = AudioInfo(
    container="mp3", codec="mp3", duration_s=20.0, sample_rate=SR, channels=2, bitrate=192_000,
    size_bytes=1, mime_type="audio/mpeg",
)  # fmt: skip


@pytest.mark.parametrize("suffix", ["mp3", "flac"])
def test_a_groove_in_a_minor_at_128_bpm_is_measured(tmp_path: Path, suffix: str) -> None:
    path = encode_pcm(tmp_path / f"groove.{suffix}", groove(20, bpm=128.0), sr=SR)
    analysis = analyse_file(path)
    assert analysis is not None
    assert analysis.bpm == pytest.approx(128.0, rel=0.02)
    assert (analysis.key_tonic, analysis.key_mode) == (9, "minor")
    assert analysis.key_confidence > 0.5
    assert -30 < analysis.lufs < -5
    assert -6 < analysis.peak_dbfs < 1


@pytest.mark.parametrize(
    "y",
    [np.zeros((2, 5 * SR), dtype=np.float32), harmonic_tone(440.0, 0.5)],
    ids=["silence", "half a second"],
)
def test_nothing_to_measure_is_none(tmp_path: Path, y: np.ndarray) -> None:
    assert analyse_file(encode_pcm(tmp_path / "x.wav", y, sr=SR)) is None


def test_a_file_that_does_not_decode_raises(tmp_path: Path) -> None:
    path = tmp_path / "x.mp3"
    path.write_bytes(b"not audio at all" * 100)
    with pytest.raises(DecodeError):
        analyse_file(path)


async def test_the_step_skips_tracks_longer_than_the_cap(tmp_path: Path) -> None:
    steps = MediaSteps()
    too_long = replace(INFO, duration_s=MAX_ANALYSED_S + 1)
    assert await steps.analyse(tmp_path / "never-read.mp3", info=too_long) is None


async def test_the_step_measures_in_its_worker_thread(tmp_path: Path) -> None:
    path = encode_pcm(tmp_path / "groove.mp3", groove(20), sr=SR)
    analysis = await MediaSteps().analyse(path, info=INFO)
    assert analysis is not None
    assert analysis.bpm == pytest.approx(120.0, rel=0.02)
