"""Slow acceptance checks on minute-long signals: no drift, real process pools, first-segment latency.

Run with ``pytest tests/quality -m slow`` (each test renders tens of seconds of audio).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from tests.audio_signals import SR, attack_times, click_track, harmonic_cents, harmonic_tone
from tests.unit.audio.test_render import boundary_steps_ok
from tuneton.audio import RenderParams
from tuneton.audio.dynamics import DEFAULT_CEILING_DB
from tuneton.audio.engines import SignalsmithEngine
from tuneton.audio.render import iter_segments, render, render_parallel

pytestmark = pytest.mark.slow
CEILING = 10 ** (DEFAULT_CEILING_DB / 20)


@pytest.mark.parametrize(("cents", "tempo"), [(300, 0.8), (-700, 1.25)])
def test_a_minute_without_drift(cents: int, tempo: float) -> None:
    y, beats = click_track(60.0, bpm=120.0)
    params = RenderParams(pitch_cents=cents, tempo=tempo)
    out = np.concatenate([s.audio for s in iter_segments(y, sr=SR, params=params)], axis=1)
    expected_s = y.shape[1] / SR / tempo
    assert abs(out.shape[1] / SR - expected_s) <= 0.010  # per minute of input
    reference = attack_times(y[0], sr=SR, near=beats) / tempo
    errors = attack_times(out[0], sr=SR, near=reference) - reference
    assert np.abs(errors).max() <= 0.010
    assert abs(np.median(errors[-10:]) - np.median(errors[:10])) <= 0.002  # no drift start to end
    assert np.abs(out).max() <= CEILING + 1e-6


def test_parallel_render_in_real_processes() -> None:
    y, beats = click_track(30.0, bpm=110.0)
    y += harmonic_tone(196.0, 30.0, level=0.1)
    params = RenderParams(pitch_cents=500, tempo=1.1)
    out = render_parallel(y, sr=SR, params=params, workers=2)
    assert out.shape == (2, round(y.shape[1] / 1.1))
    middle = out.shape[1] // 2
    assert boundary_steps_ok(out, list(range(middle - SR // 2, middle + SR // 2, 441)), slack=1.1)
    reference = attack_times(y[0], sr=SR, near=beats) / 1.1
    assert np.abs(attack_times(out[0], sr=SR, near=reference) - reference).max() <= 0.010
    steady = out[0, middle - SR // 2 : middle + SR // 2]  # the join itself stays in tune
    assert np.abs(harmonic_cents(steady, sr=SR, f0=196.0 * 2 ** (5 / 12))).max() <= 5.0


def test_first_segment_long_before_the_whole_track() -> None:
    y = harmonic_tone(220.0, 60.0)
    params = RenderParams(pitch_cents=300)
    start = time.perf_counter()
    segments = iter_segments(y, sr=SR, params=params)
    next(segments)
    first = time.perf_counter() - start
    for _ in segments:
        pass
    whole = time.perf_counter() - start
    assert first < 0.1 * whole
    assert first < 1.5  # about 0.25 s on an idle core; generous for a shared CI machine


def test_signalsmith_stream_joins_are_seamless() -> None:
    y, beats = click_track(45.0, bpm=100.0)
    y += harmonic_tone(246.9, 45.0, level=0.1)
    params = RenderParams(pitch_cents=-200, tempo=0.9)
    out = render(y, sr=SR, params=params, engine=SignalsmithEngine())
    reference = attack_times(y[0], sr=SR, near=beats) / 0.9
    assert np.abs(attack_times(out[0], sr=SR, near=reference) - reference).max() <= 0.010
    assert out.shape[1] == round(y.shape[1] / 0.9)
    assert np.abs(out).max() <= CEILING + 1e-6
