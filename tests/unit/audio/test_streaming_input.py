"""The service's streaming path renders exactly what the whole-array path renders."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio_signals import SR, click_track, harmonic_tone
from tuneton.audio import DecodeError, RenderParams
from tuneton.audio import decode as dec
from tuneton.audio.engines import get_engine

PARAMS = RenderParams(pitch_cents=300, tempo=1.25)


def blocks_of(y: np.ndarray, size: int = 8192) -> list[np.ndarray]:
    return [y[:, i : i + size] for i in range(0, y.shape[1], size)]


@pytest.mark.parametrize("hint_offset", [0, -30_000, 50_000])  # the probe's duration may be off either way
def test_r3_on_arriving_blocks_is_bit_identical_to_r3_on_the_whole_array(hint_offset: int) -> None:
    y, _ = click_track(6.0, bpm=120.0)
    engine = get_engine("rubberband-r3")
    whole = engine.render(y, sr=SR, params=PARAMS)
    streamed = engine.stream_input(
        iter(blocks_of(y)), sr=SR, channels=2, frames_hint=y.shape[1] + hint_offset, params=PARAMS
    )
    out = np.concatenate(list(streamed), axis=1)
    assert out.shape == whole.shape
    assert np.array_equal(out, whole)


def test_output_starts_before_the_input_ends() -> None:
    y = harmonic_tone(220.0, 10.0)
    fed = 0

    def feed() -> object:
        nonlocal fed
        for block in blocks_of(y):
            fed += block.shape[1]
            yield block

    stream = get_engine("rubberband-r3").stream_input(feed(), sr=SR, channels=2, frames_hint=y.shape[1], params=PARAMS)
    first = next(stream)
    assert first.shape[1] > 0
    assert fed < y.shape[1] / 4  # the first output needed well under a quarter of the input


def test_engines_without_streaming_gather_the_input_first() -> None:
    y = harmonic_tone(220.0, 3.0)
    engine = get_engine("signalsmith-stretch")
    out = np.concatenate(list(engine.stream_input(iter(blocks_of(y)), sr=SR, channels=2, frames_hint=0,
                                                  params=PARAMS)), axis=1)  # fmt: skip
    assert np.array_equal(out, engine.render(y, sr=SR, params=PARAMS))


@pytest.mark.parametrize("sr_file", [44100, 48000])
def test_streaming_decode_matches_the_whole_file_decode(tmp_path: Path, sr_file: int) -> None:
    tone = harmonic_tone(330.0, 2.0, sr=sr_file)
    path = tmp_path / "tone.wav"
    sf.write(path, tone.T, sr_file, subtype="FLOAT")
    streamed = np.concatenate(list(dec.stream_decode(path, sr=SR, block_frames=4096)), axis=1)
    whole = dec.decode(path, sr=SR)
    assert abs(streamed.shape[1] - whole.shape[1]) <= 64  # two resamplers, two edge policies
    n = min(streamed.shape[1], whole.shape[1])
    middle = slice(n // 4, 3 * n // 4)
    assert np.max(np.abs(streamed[:, middle] - whole[:, middle])) < 2e-3


def test_streaming_decode_of_garbage_is_a_decode_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.mp3"
    path.write_bytes(b"\x00not audio at all" * 100)
    with pytest.raises(DecodeError):
        list(dec.stream_decode(path))
