"""The look-ahead limiter: ceiling always held, transparent below it, stateful across blocks."""

from __future__ import annotations

import numpy as np
import pytest

from tests.audio_signals import SR, harmonic_tone
from tuneton.audio.dynamics import BLOCK, DEFAULT_CEILING_DB, Limiter

CEILING = 10 ** (DEFAULT_CEILING_DB / 20)


def run(y: np.ndarray, sizes: list[int] | None = None) -> np.ndarray:
    limiter = Limiter(sr=SR, channels=y.shape[0])
    sizes = sizes or [y.shape[1]]
    parts: list[np.ndarray] = []
    at = 0
    while at < y.shape[1]:
        size = sizes[len(parts) % len(sizes)]
        parts.append(limiter.process(y[:, at : at + size]))
        at += size
    parts.append(limiter.flush())
    return np.concatenate(parts, axis=1)


def hot_signal() -> np.ndarray:
    y = harmonic_tone(110.0, 2.0, level=0.5)
    y[:, SR // 2 : SR] *= 4.0  # +12 dB burst: a hard step up in level
    y[1, round(1.5 * SR)] = 3.0  # a lone spike in one channel
    return y


def test_never_exceeds_ceiling() -> None:
    out = run(hot_signal())
    assert np.abs(out).max() <= CEILING + 1e-6
    assert np.abs(hot_signal()).max() > 2.0  # the input really was hot (the test can fail)


def test_length_and_alignment_are_kept() -> None:
    y = hot_signal()
    out = run(y)
    assert out.shape == y.shape
    quiet = slice(round(1.7 * SR), round(1.9 * SR))  # long after the spike: gain back to 1
    np.testing.assert_allclose(out[:, quiet], y[:, quiet], atol=1e-6)


def test_transparent_below_ceiling() -> None:
    y = harmonic_tone(220.0, 1.0, level=0.8)
    np.testing.assert_array_equal(run(y), y)


@pytest.mark.parametrize("sizes", [[1], [BLOCK - 1], [1000, 7, 4096], [44100]])
def test_block_sizes_do_not_matter(sizes: list[int]) -> None:
    y = hot_signal()[:, :SR]
    np.testing.assert_allclose(run(y, sizes), run(y), atol=1e-7)


def applied_gain(y: np.ndarray, out: np.ndarray) -> np.ndarray:
    mask = np.abs(y[0]) > 0.05
    gain: np.ndarray = out[0, mask] / y[0, mask]
    return gain


def test_gain_changes_smoothly() -> None:
    t = np.arange(2 * SR) / SR
    level = np.interp(t, [0.0, 0.5, 0.6, 2.0], [0.5, 0.5, 2.5, 2.5])  # +14 dB over 100 ms
    y = np.tile(level * np.sin(2 * np.pi * 220 * t), (2, 1)).astype(np.float32)
    gain = applied_gain(y, run(y))
    assert np.abs(np.diff(gain)).max() < 0.02  # <= 2 % per sample: no gain steps
    steady = gain[-SR // 2 :]
    assert steady.std() < 0.01 * steady.mean()  # release ripple stays below 1 % (about -50 dB sidebands)
    clipped = applied_gain(y, np.clip(y, -CEILING, CEILING))[-SR // 2 :]
    assert clipped.std() > 0.1 * clipped.mean()  # what clipping would do instead (the check can fail)


def test_shared_gain_keeps_stereo_image() -> None:
    y = hot_signal()
    y[1] = 0.5 * y[0]
    out = run(y)
    np.testing.assert_allclose(out[1], 0.5 * out[0], atol=1e-6)


def test_empty_and_tiny_inputs() -> None:
    assert run(np.zeros((2, 0), np.float32)).shape == (2, 0)
    tiny = np.full((1, 5), 2.0, np.float32)
    out = run(tiny)
    assert out.shape == (1, 5)
    assert np.abs(out).max() <= CEILING + 1e-6
