"""Tempo, key and loudness on synthesised material, and the key/tempo of a shifted render."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.audio_signals import SR, click_track, harmonic_tone
from tuneton.audio import AnalysisError, ParameterError, RenderParams
from tuneton.audio.analysis import (
    Analysis,
    Key,
    analyse,
    estimate_key,
    estimate_tempo,
    loudness_lufs,
    render_analysis,
    shifted_bpm,
    shifted_key,
)
from tuneton.audio.render import render

PROGRESSIONS = {  # MIDI notes per chord, one second each
    "A minor": [[57, 60, 64], [62, 65, 69], [64, 68, 71], [57, 60, 64], [53, 57, 60], [64, 68, 71], [57, 60, 64, 69]],
    "C major": [[48, 52, 55], [53, 57, 60], [55, 59, 62], [48, 52, 55], [57, 60, 64], [53, 57, 60], [55, 59, 62]],
    "Eb major": [[51, 55, 58], [56, 60, 63], [58, 62, 65], [51, 55, 58]],
    "D minor": [[50, 53, 57], [55, 58, 62], [57, 61, 64], [50, 53, 57], [46, 50, 53], [57, 61, 64], [50, 53, 57]],
}


def progression(chords: list[list[int]]) -> np.ndarray:
    def chord(notes: list[int]) -> np.ndarray:
        return sum(harmonic_tone(440.0 * 2 ** ((n - 69) / 12), 1.0, level=0.1) for n in notes)  # type: ignore[return-value]

    return np.concatenate([chord(c) for c in chords], axis=1).astype(np.float32)


@pytest.mark.parametrize("name", list(PROGRESSIONS))
def test_key_of_chord_progressions(name: str) -> None:
    assert str(estimate_key(progression(PROGRESSIONS[name]), sr=SR)) == name


@pytest.mark.parametrize("bpm", [93.0, 120.0, 140.0])
def test_tempo_of_click_tracks(bpm: float) -> None:
    y, _ = click_track(12.0, bpm=bpm)
    assert estimate_tempo(y, sr=SR) == pytest.approx(bpm, rel=0.02)


@pytest.mark.parametrize("dbfs", [-10.0, -20.0, -30.0])
def test_loudness_of_a_reference_sine(dbfs: float) -> None:
    # BS.1770: a 997 Hz sine at A dBFS in both channels of a stereo pair reads A LUFS
    t = np.arange(3 * SR) / SR
    y = np.tile(10 ** (dbfs / 20) * np.sin(2 * np.pi * 997 * t), (2, 1)).astype(np.float32)
    assert loudness_lufs(y, sr=SR) == pytest.approx(dbfs, abs=0.1)


def test_silence() -> None:
    silence = np.zeros((2, 2 * SR), np.float32)
    assert loudness_lufs(silence, sr=SR) == -math.inf
    with pytest.raises(AnalysisError):
        estimate_tempo(silence, sr=SR)
    with pytest.raises(AnalysisError):
        estimate_key(silence, sr=SR)
    with pytest.raises(AnalysisError):
        loudness_lufs(silence[:, :100], sr=SR)


@pytest.mark.parametrize(
    ("key", "cents", "expect", "off"),
    [
        (Key(tonic=9, mode="minor"), 300, "C minor", 0),
        (Key(tonic=9, mode="minor"), -1200, "A minor", 0),
        (Key(tonic=0, mode="major"), 700, "G major", 0),
        (Key(tonic=0, mode="major"), -150, "B major", -50),
        (Key(tonic=0, mode="major"), 149, "C# major", 49),
        (Key(tonic=11, mode="minor"), 1, "B minor", 1),
    ],
)
def test_shifted_key(key: Key, cents: int, expect: str, off: int) -> None:
    moved, residual = shifted_key(key, pitch_cents=cents)
    assert (str(moved), residual) == (expect, off)


def test_shifted_key_rejects_floats() -> None:
    with pytest.raises(ParameterError, match=r"^pitch_cents="):
        shifted_key(Key(tonic=0, mode="major"), pitch_cents=1.5)  # type: ignore[arg-type]


def test_render_analysis_predicts_key_and_tempo() -> None:
    source = Analysis(bpm=100.0, key=Key(tonic=9, mode="minor"), lufs=-14.0, peak_dbfs=-1.0, duration_s=200.0)
    predicted, off = render_analysis(source, params=RenderParams(pitch_cents=300, tempo=1.25))
    assert (predicted.bpm, str(predicted.key), predicted.duration_s, off) == (125.0, "C minor", 160.0, 0)
    assert shifted_bpm(128.0, tempo=0.5) == 64.0


def test_a_real_render_lands_in_the_predicted_key() -> None:
    y = progression(PROGRESSIONS["A minor"])
    out = render(y, sr=SR, params=RenderParams(pitch_cents=300, tempo=1.1))
    assert str(estimate_key(out, sr=SR)) == "C minor"


def test_analyse_bundles_everything() -> None:
    y, _ = click_track(8.0, bpm=120.0, pad_f0=220.0)
    result = analyse(y, sr=SR)
    assert result.bpm == pytest.approx(120.0, rel=0.02)
    assert result.duration_s == pytest.approx(8.0)
    assert result.peak_dbfs <= 0.0
    assert -40.0 < result.lufs < 0.0
