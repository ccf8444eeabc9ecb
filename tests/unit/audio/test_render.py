"""Progressive segments (state carried across boundaries) and the parallel chunked render."""

from __future__ import annotations

import concurrent.futures
from collections.abc import Iterator
from typing import ClassVar

import numpy as np
import pytest

from tests.audio_signals import SR, attack_times, click_track, harmonic_tone, partial_envelope_db
from tuneton.audio import ParameterError, RenderParams
from tuneton.audio.dynamics import DEFAULT_CEILING_DB
from tuneton.audio.engines import Engine, RubberBandEngine
from tuneton.audio.render import iter_segments, render, render_parallel

CEILING = 10 ** (DEFAULT_CEILING_DB / 20)
PARAMS = RenderParams(pitch_cents=300, tempo=1.25)


class CountingEngine(Engine):
    """Rubber Band R3, counting how much output it has produced (a fake through the real interface)."""

    name: ClassVar[str] = "counting-r3"
    continuous: ClassVar[bool] = True
    supports_formant: ClassVar[bool] = True

    def __init__(self) -> None:
        self.produced = 0

    @property
    def version(self) -> str:
        return "test"

    def _blocks(self, y: np.ndarray, *, sr: int, params: RenderParams) -> Iterator[np.ndarray]:
        for block in RubberBandEngine()._blocks(y, sr=sr, params=params):
            self.produced += block.shape[1]
            yield block


def boundary_steps_ok(x: np.ndarray, boundaries: list[int], *, radius: int = 220, slack: float = 1.0) -> bool:
    """No step within ``radius`` frames of a boundary exceeds the largest step elsewhere (times ``slack``)."""
    near = np.zeros(x.shape[1] - 1, bool)
    for b in boundaries:
        near[max(0, b - radius) : b + radius] = True
    steps = np.abs(np.diff(x, axis=1)).max(axis=0)
    return bool(steps[near].max() <= slack * steps[~near].max())


def test_segments_concatenate_to_the_render() -> None:
    y = harmonic_tone(220.0, 6.0)
    segments = list(iter_segments(y, sr=SR, params=PARAMS, first_segment_s=1.0, segment_s=2.0))
    total = round(y.shape[1] / PARAMS.tempo)
    assert [s.audio.shape[1] for s in segments] == [SR, 2 * SR, total - 3 * SR]
    assert [s.start for s in segments] == [0, SR, 3 * SR]
    assert [s.final for s in segments] == [False, False, True]
    assert segments[1].start_s == 1.0
    assert segments[1].duration_s == 2.0
    np.testing.assert_array_equal(np.concatenate([s.audio for s in segments], axis=1), render(y, sr=SR, params=PARAMS))


def test_segment_boundaries_are_seamless() -> None:
    y = harmonic_tone(220.0, 5.0)
    segments = list(iter_segments(y, sr=SR, params=PARAMS, first_segment_s=0.5, segment_s=1.0))
    joined = np.concatenate([s.audio for s in segments], axis=1)
    assert boundary_steps_ok(joined, [s.start for s in segments[1:]])
    # negative control: segments rendered independently (state NOT carried) click at the boundaries
    cut = round(2.0 * SR * PARAMS.tempo)
    naive = np.concatenate([render(y[:, :cut], sr=SR, params=PARAMS), render(y[:, cut:], sr=SR, params=PARAMS)], 1)
    assert not boundary_steps_ok(naive, [round(cut / PARAMS.tempo)])


def test_first_segment_arrives_before_the_track_is_rendered() -> None:
    engine = CountingEngine()
    y = harmonic_tone(220.0, 10.0)
    segments = iter_segments(y, sr=SR, params=RenderParams(pitch_cents=-200), engine=engine, first_segment_s=1.0)
    first = next(segments)
    assert first.index == 0
    assert first.audio.shape[1] == SR
    assert engine.produced < 2 * SR  # about 1 s (plus block and limiter look-ahead) of 10 s
    rest = list(segments)
    assert engine.produced >= y.shape[1] - 1
    assert rest[-1].final


def test_peaks_stay_below_full_scale() -> None:
    chord = sum(harmonic_tone(f, 2.0, level=1.0) for f in (220.0, 277.2, 329.6))
    y = (chord / np.abs(chord).max()).astype(np.float32)  # a 0 dBFS chord
    out = render(y, sr=SR, params=RenderParams(pitch_cents=700))
    assert np.abs(out).max() <= CEILING + 1e-6
    raw = RubberBandEngine().render(y, sr=SR, params=RenderParams(pitch_cents=700))
    assert np.abs(raw).max() > CEILING  # the engine alone goes over: the limiter did the work


@pytest.mark.parametrize(("field", "first", "rest"), [("first_segment_s", 0.0, 4.0), ("segment_s", 1.0, 61.0)])
def test_segment_durations_are_validated(field: str, first: float, rest: float) -> None:
    with pytest.raises(ParameterError, match=rf"^{field}="):
        next(iter_segments(harmonic_tone(220.0, 1.0), sr=SR, params=PARAMS, first_segment_s=first, segment_s=rest))


PARALLEL = RenderParams(pitch_cents=-300, tempo=0.9)


@pytest.fixture(scope="module")
def rendered() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y, beats = click_track(9.0, bpm=100.0)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        out = render_parallel(y, sr=SR, params=PARALLEL, workers=2, executor=pool)
    return y, beats, out


class TestParallel:
    """The chunked render, in a thread pool here (same code path; tests/quality runs real processes)."""

    params = PARALLEL

    def test_length_and_peaks(self, rendered: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        y, _, out = rendered
        assert out.shape == (2, round(y.shape[1] / self.params.tempo))
        assert np.abs(out).max() <= CEILING + 1e-6

    def test_onsets_on_both_sides_of_the_join(self, rendered: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        y, beats, out = rendered
        reference = attack_times(y[0], sr=SR, near=beats) / self.params.tempo
        assert np.abs(attack_times(out[0], sr=SR, near=reference) - reference).max() <= 0.010

    def test_join_is_seamless(self, rendered: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        _, _, out = rendered
        middle = out.shape[1] // 2  # the join lies within 0.5 s of the middle
        assert boundary_steps_ok(out, list(range(middle - SR // 2, middle + SR // 2, 441)), slack=1.1)
        hz = 220.0 * 2 ** (-3 / 12)
        times, level = partial_envelope_db(out[0], sr=SR, hz=hz)
        around = (times > middle / SR - 1.0) & (times < middle / SR + 1.0)
        assert level[around].min() > -3.0

    def test_matches_single_core_render_in_timing(self, rendered: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
        y, beats, out = rendered
        single = render(y, sr=SR, params=self.params)
        near = attack_times(y[0], sr=SR, near=beats) / self.params.tempo
        assert np.abs(attack_times(out[1], sr=SR, near=near) - attack_times(single[1], sr=SR, near=near)).max() < 0.002
        # before the join the first chunk is the single-core render, sample for sample
        np.testing.assert_array_equal(out[:, : 3 * SR], single[:, : 3 * SR])


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_parallel_rejects_bad_worker_counts(workers: object) -> None:
    with pytest.raises(ParameterError, match=r"^workers="):
        render_parallel(harmonic_tone(220.0, 1.0), sr=SR, params=PARAMS, workers=workers)  # type: ignore[arg-type]


@pytest.mark.parametrize(("seconds", "workers"), [(1.0, 2), (4.0, 1)])
def test_parallel_without_joins_equals_render(seconds: float, workers: int) -> None:
    y = harmonic_tone(220.0, seconds)  # too short to split, or one worker: a single chunk, no context
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        out = render_parallel(y, sr=SR, params=PARAMS, workers=workers, executor=pool)
    np.testing.assert_array_equal(out, render(y, sr=SR, params=PARAMS))
