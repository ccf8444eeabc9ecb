"""One contract suite for every engine (STYLE.md habit 13): length, pitch, onsets, stereo, errors."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import ClassVar

import numpy as np
import pytest

from tests.audio_signals import SR, attack_times, click_track, harmonic_cents, harmonic_tone
from tuneton.audio import ParameterError, Quality, RenderParams, UnsupportedParameter
from tuneton.audio.engines import Engine, RubberBandEngine, SignalsmithEngine, get_engine

F0 = 220.0


class EngineContract:
    """What every engine must do; subclasses say which engine and its documented limits."""

    engine: ClassVar[Engine]
    # Worst error over harmonics 1-3. The acceptance bar (issue 4) is 5 cents for the product engine;
    # the alternative is held to its own measured bound, recorded in docs/dsp.md.
    pitch_tolerance_cents: ClassVar[float]

    @pytest.mark.parametrize("tempo", [0.5, 0.8, 1.0, 1.25, 2.0])
    def test_length_is_exact(self, tempo: float) -> None:
        y = harmonic_tone(F0, 1.3)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=300, tempo=tempo))
        assert out.shape == (2, round(y.shape[1] / tempo))
        assert out.dtype == np.float32

    def test_blocks_concatenate_to_render(self) -> None:
        y = harmonic_tone(F0, 1.0 if self.engine.continuous else 8.0)  # chunked engines: long enough to chunk
        params = RenderParams(pitch_cents=-200, tempo=1.1)
        blocks = list(self.engine.stream(y, sr=SR, params=params))
        assert len(blocks) > 1
        np.testing.assert_array_equal(np.concatenate(blocks, axis=1), self.engine.render(y, sr=SR, params=params))

    @pytest.mark.parametrize("semitones", [-12, -7, -3, -1, 1, 3, 7, 12])
    def test_pitch_within_5_cents(self, semitones: int) -> None:
        y = harmonic_tone(F0, 1.5)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=100 * semitones))
        steady = out[0, round(0.3 * SR) : round(1.2 * SR)]
        errors = harmonic_cents(steady, sr=SR, f0=F0 * 2 ** (semitones / 12))
        assert np.abs(errors).max() <= self.pitch_tolerance_cents, errors

    def test_pitch_with_tempo_and_cents(self) -> None:
        y = harmonic_tone(F0, 1.5)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=337, tempo=0.8))
        steady = out[0, round(0.3 * SR) : round(1.5 * SR)]
        errors = harmonic_cents(steady, sr=SR, f0=F0 * 2 ** (3.37 / 12))
        assert np.abs(errors).max() <= self.pitch_tolerance_cents, errors

    @pytest.mark.parametrize(("tempo", "cents"), [(0.8, 300), (1.25, -500), (1.0, 700)])
    def test_onsets_within_10_ms(self, tempo: float, cents: int) -> None:
        y, beats = click_track(4.0)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=cents, tempo=tempo))
        reference = attack_times(y[0], sr=SR, near=beats)
        measured = attack_times(out[0], sr=SR, near=reference / tempo)
        assert np.abs(measured - reference / tempo).max() <= 0.010

    def test_stereo_channels_stay_aligned(self) -> None:
        clicks, beats = click_track(3.0, pad_f0=None, channels=1)
        left = clicks[0] + harmonic_tone(196.0, 3.0, channels=1, level=0.15)[0]
        right = clicks[0] + harmonic_tone(293.7, 3.0, channels=1, level=0.15)[0]
        out = self.engine.render(np.stack([left, right]), sr=SR, params=RenderParams(pitch_cents=300, tempo=0.9))
        near = attack_times(clicks[0], sr=SR, near=beats) / 0.9
        lag = attack_times(out[0], sr=SR, near=near) - attack_times(out[1], sr=SR, near=near)
        assert np.abs(lag).max() <= 0.0005

    def test_identity_is_near_transparent(self) -> None:
        y = harmonic_tone(F0, 1.0)
        out = self.engine.render(y, sr=SR, params=RenderParams())
        inner = slice(round(0.2 * SR), round(0.8 * SR))
        assert np.sqrt(np.mean((out[:, inner] - y[:, inner]) ** 2)) < 0.05 * np.sqrt(np.mean(y[:, inner] ** 2))

    def test_preview_preset_also_in_tune(self) -> None:
        y = harmonic_tone(F0, 1.5)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=-300, quality=Quality.PREVIEW))
        steady = out[0, round(0.3 * SR) : round(1.2 * SR)]
        errors = harmonic_cents(steady, sr=SR, f0=F0 * 2 ** (-3 / 12))
        assert np.abs(errors).max() <= self.pitch_tolerance_cents, errors

    def test_mono_and_empty_input(self) -> None:
        mono = harmonic_tone(F0, 0.5, channels=1)
        assert self.engine.render(mono, sr=SR, params=RenderParams(tempo=2.0)).shape == (1, mono.shape[1] // 2)
        empty = np.zeros((2, 0), np.float32)
        assert self.engine.render(empty, sr=SR, params=RenderParams()).shape == (2, 0)

    @pytest.mark.parametrize(
        ("y", "sr", "outcome"),
        [
            (np.zeros((2, 100), np.float32), SR, nullcontext()),
            (np.zeros((2, 100), np.float64), SR, pytest.raises(ParameterError, match=r"^y=")),
            (np.zeros(100, np.float32), SR, pytest.raises(ParameterError, match=r"^y=")),
            (np.zeros((9, 100), np.float32), SR, pytest.raises(ParameterError, match=r"^y=")),
            (np.full((2, 100), np.nan, np.float32), SR, pytest.raises(ParameterError, match=r"^y=")),
            ([[0.0]], SR, pytest.raises(ParameterError, match=r"^y=")),
            (np.zeros((2, 100), np.float32), 4000, pytest.raises(ParameterError, match=r"^sr=")),
            (np.zeros((2, 100), np.float32), 44100.0, pytest.raises(ParameterError, match=r"^sr=")),
        ],
    )
    def test_rejects_bad_audio(self, y: np.ndarray, sr: int, outcome: AbstractContextManager[object]) -> None:
        with outcome:
            self.engine.render(y, sr=sr, params=RenderParams())

    def test_version_names_library(self) -> None:
        assert "+tt" in self.engine.version
        assert get_engine(self.engine.name).name == self.engine.name


class TestRubberBand(EngineContract):
    engine = RubberBandEngine()
    pitch_tolerance_cents = 5.0

    def test_formant_preservation_keeps_pitch(self) -> None:
        y = harmonic_tone(F0, 1.5)
        out = self.engine.render(y, sr=SR, params=RenderParams(pitch_cents=700, formant=True))
        steady = out[0, round(0.3 * SR) : round(1.2 * SR)]
        assert np.abs(harmonic_cents(steady, sr=SR, f0=F0 * 2 ** (7 / 12))).max() <= 5.0


class TestSignalsmith(EngineContract):
    engine = SignalsmithEngine()
    pitch_tolerance_cents = 12.0  # its fundamental sits up to ~11 cents off (harmonics 2-3 within ~5)

    def test_formant_is_refused(self) -> None:
        with pytest.raises(UnsupportedParameter) as info:
            self.engine.render(harmonic_tone(F0, 0.2), sr=SR, params=RenderParams(formant=True))
        assert info.value.field == "formant"


def test_unknown_engine() -> None:
    with pytest.raises(ParameterError, match=r"^engine="):
        get_engine("sox")
