"""Chunk planning and the STFT-domain join (used by parallel renders and the Signalsmith stream)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import hilbert

from tests.audio_signals import SR, harmonic_tone, max_step
from tuneton.audio import ParameterError, chunks


def sine(hz: float, seconds: float, phase: float = 0.0) -> np.ndarray:
    return np.sin(2 * np.pi * hz * np.arange(round(seconds * SR)) / SR + phase)[None].astype(np.float32)


def join_two(a: np.ndarray, b: np.ndarray, at: int) -> np.ndarray:
    """Join ``a`` (kept up to ``at``) and ``b`` (from ``at``), both covering the whole timeline."""
    first = chunks.Piece(start=0, stop=at, offset=0, audio=a[:, : at + SR])
    second = chunks.Piece(start=at, stop=b.shape[1], offset=at - SR, audio=b[:, at - SR :])
    return np.concatenate(list(chunks.join_pieces(iter([first, second]), sr=SR)), axis=1)


def linear_crossfade(a: np.ndarray, b: np.ndarray, at: int) -> np.ndarray:
    """The naive join, for the negative control: a plain 1 s linear crossfade."""
    n = round(chunks.CROSSFADE_S * SR)
    w = np.clip((np.arange(a.shape[1]) - (at - n // 2)) / n, 0, 1)
    return (a * (1 - w) + b * w).astype(np.float32)


def envelope_range_db(x: np.ndarray) -> float:
    env = np.abs(hilbert(x[0].astype(np.float64)))[SR // 2 : -SR // 2]
    return float(20 * np.log10(env.min() / env.max()))


@pytest.mark.parametrize(("hz", "phase"), [(440.0, np.pi), (261.6, 0.9 * np.pi), (100.0, np.pi), (55.0, 2.0)])
def test_out_of_phase_join_keeps_level(hz: float, phase: float) -> None:
    a, b = sine(hz, 4.0), sine(hz, 4.0, phase)
    joined = join_two(a, b, 2 * SR)
    assert joined.shape == a.shape
    assert envelope_range_db(joined) > -0.5
    np.testing.assert_allclose(joined[:, :SR], a[:, :SR], atol=1e-6)  # untouched outside the fade
    np.testing.assert_allclose(joined[:, -SR:], b[:, -SR:], atol=1e-6)
    # the phase glide raises the frequency a little while it turns: allow 10 %, far below any click
    assert max_step(joined) <= max_step(a) * 1.1


def test_naive_crossfade_fails_the_level_check() -> None:
    a, b = sine(440.0, 4.0), sine(440.0, 4.0, np.pi)
    assert envelope_range_db(linear_crossfade(a, b, 2 * SR)) < -20  # the check above can fail


def test_boundaries_land_in_quiet_places() -> None:
    y = harmonic_tone(220.0, 20.0, level=0.5)
    y[:, round(9.8 * SR) : round(9.85 * SR)] = 0.0  # a 50 ms gap near the nominal 10 s split
    bounds = chunks.plan_boundaries(y, sr=SR, lengths_s=[10.0])
    assert bounds[0] == 0
    assert bounds[-1] == y.shape[1]
    assert len(bounds) == 3
    assert 9.8 * SR <= bounds[1] <= 9.85 * SR


@pytest.mark.parametrize(("seconds", "lengths", "count"), [(2.0, [1.0], 1), (30.0, [3.0, 10.0], 4), (30.0, [7.5], 4)])
def test_plan_counts(seconds: float, lengths: list[float], count: int) -> None:
    bounds = chunks.plan_boundaries(harmonic_tone(220.0, seconds), sr=SR, lengths_s=lengths)
    assert len(bounds) - 1 == count
    assert np.all(np.diff(bounds) > chunks.CROSSFADE_S * SR + 2 * chunks.N_FFT)  # room for every join


@pytest.mark.parametrize("lengths", [[], [0.0], [5.0, -1.0]])
def test_plan_rejects_non_positive_lengths(lengths: list[float]) -> None:
    with pytest.raises(ParameterError, match=r"^lengths_s="):
        chunks.plan_boundaries(harmonic_tone(220.0, 5.0), sr=SR, lengths_s=lengths)
