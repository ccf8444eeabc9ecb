"""The one engine interface: a stretcher turns ``(channels, frames)`` audio into a stream of output blocks.

An engine is stateless; :meth:`Engine.stream` runs one render session whose state (phases, windows)
lives for the whole track, so cutting its output anywhere gives gapless, click-free segments.
Engines that cannot keep state between calls (python-stretch 0.3.1) emulate the stream with
overlapping chunks joined by :mod:`tuneton.audio.chunks`; ``Engine.continuous`` tells which.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from typing import ClassVar

import numpy as np

from tuneton.audio.errors import ParameterError, UnsupportedParameter
from tuneton.audio.params import RenderParams

SR_MIN = 8000
SR_MAX = 192000
MAX_CHANNELS = 8


class Engine(ABC):
    """A pitch-shift/time-stretch engine behind tuneTON's renders.

    Subclasses set ``name`` (stable, part of the asset key), ``continuous`` and ``supports_formant``,
    and implement :attr:`version` and :meth:`_blocks`.
    """

    name: ClassVar[str]
    continuous: ClassVar[bool]  # True: one stateful stretcher for the whole stream, no internal joins
    supports_formant: ClassVar[bool]

    @property
    @abstractmethod
    def version(self) -> str:
        """Library version plus our wrapper revision, so an upgrade changes every asset key."""

    @abstractmethod
    def _blocks(self, y: np.ndarray, *, sr: int, params: RenderParams) -> Iterator[np.ndarray]:
        """Yield output blocks whose concatenation is the render (length may be off by a few frames)."""

    def stream(self, y: np.ndarray, *, sr: int, params: RenderParams) -> Iterator[np.ndarray]:
        """Render ``y`` incrementally.

        Parameters
        ----------
        y : np.ndarray [shape=(channels, frames), dtype=float32]
            Input audio, nominally within ``[-1, 1]``.
        sr : int
            Sample rate in Hz, ``8000..192000``.
        params : RenderParams
            Pitch (cents), tempo ratio, formant flag and quality preset.

        Yields
        ------
        np.ndarray [shape=(channels, m), dtype=float32]
            Consecutive output blocks; together exactly ``round(frames / tempo)`` frames, time-aligned
            with the input (frame ``i`` of the input sounds at ``i / tempo`` in the output).

        Raises
        ------
        ParameterError
            Bad array shape, dtype, non-finite samples or sample rate.
        UnsupportedParameter
            ``params.formant`` with an engine that cannot preserve formants.
        """
        y = check_audio(y, sr=sr)
        if params.formant and not self.supports_formant:
            raise UnsupportedParameter("formant", True, f"false with engine {self.name}")
        expected = output_frames(y.shape[1], tempo=params.tempo)
        return _exact_length(self._blocks(y, sr=sr, params=params), channels=y.shape[0], frames=lambda: expected)

    def stream_input(
        self, blocks: Iterable[np.ndarray], *, sr: int, channels: int, frames_hint: int, params: RenderParams
    ) -> Iterator[np.ndarray]:
        """Render audio that is still arriving (a decoder's output), so output starts before input ends.

        Parameters
        ----------
        blocks : iterable of np.ndarray [shape=(channels, n), dtype=float32]
            Consecutive input blocks.
        sr, channels : int
            Sample rate and channel count of the blocks.
        frames_hint : int >= 0
            Expected input length in frames (from the probe). Engines that plan over the whole input
            use it; it may be off by a little: the output is cut to ``round(actual / tempo)`` frames
            once the input has ended.
        params : RenderParams
            As for :meth:`stream`.

        Yields
        ------
        np.ndarray [shape=(channels, m), dtype=float32]
            Together exactly ``round(actual_frames / tempo)`` frames.
        """
        if params.formant and not self.supports_formant:
            raise UnsupportedParameter("formant", True, f"false with engine {self.name}")
        counted = _CountedInput(blocks, sr=sr, channels=channels)
        produced = self._blocks_from(counted, sr=sr, channels=channels, frames_hint=frames_hint, params=params)
        return _exact_length(produced, channels=channels, frames=lambda: counted.output_frames(params.tempo))

    def _blocks_from(
        self, blocks: Iterator[np.ndarray], *, sr: int, channels: int, frames_hint: int, params: RenderParams
    ) -> Iterator[np.ndarray]:
        """Default for engines that need the whole input: gather it, then render (no early output)."""
        gathered = list(blocks)
        y = np.concatenate(gathered, axis=1) if gathered else np.zeros((channels, 0), np.float32)
        return self._blocks(y, sr=sr, params=params)

    def render(self, y: np.ndarray, *, sr: int, params: RenderParams) -> np.ndarray:
        """Render the whole of ``y`` at once: ``np.concatenate(list(stream(...)), axis=1)``."""
        blocks = list(self.stream(y, sr=sr, params=params))
        return np.concatenate(blocks, axis=1) if blocks else np.zeros((y.shape[0], 0), np.float32)


def output_frames(frames: int, *, tempo: float) -> int:
    """Exact output length in frames of a render of ``frames`` input frames at ``tempo``."""
    return round(frames / tempo)


def check_audio(y: object, *, sr: object) -> np.ndarray:
    """Validate an audio array and sample rate; returns ``y`` as C-contiguous ``float32``.

    Raises
    ------
    ParameterError
        ``field`` is ``"y"`` or ``"sr"``.
    """
    if isinstance(sr, bool) or not isinstance(sr, int) or not SR_MIN <= sr <= SR_MAX:
        raise ParameterError("sr", sr, f"an integer from {SR_MIN} to {SR_MAX} Hz")
    if not isinstance(y, np.ndarray) or y.ndim != 2 or not 1 <= y.shape[0] <= MAX_CHANNELS:
        shape = getattr(y, "shape", type(y).__name__)
        raise ParameterError("y", shape, f"a 2-D array of shape (channels<={MAX_CHANNELS}, frames)")
    if y.dtype != np.float32:
        raise ParameterError("y", str(y.dtype), "float32 samples")
    if not np.isfinite(y).all():
        raise ParameterError("y", "non-finite samples", "finite samples (no NaN or inf)")
    return np.ascontiguousarray(y)


def _exact_length(
    blocks: Iterator[np.ndarray], *, channels: int, frames: Callable[[], int | None]
) -> Iterator[np.ndarray]:
    """Pass blocks through, trimming overshoot and zero-padding a short tail to exactly ``frames()``.

    ``frames()`` is None while the target is unknown (input still arriving): blocks pass untrimmed.
    """
    done = 0
    for produced in blocks:
        target = frames()
        block = produced if target is None else produced[:, : max(0, target - done)]
        if block.shape[1]:
            done += block.shape[1]
            yield np.ascontiguousarray(block, dtype=np.float32)
    total = frames()
    if total is not None and done < total:
        yield np.zeros((channels, total - done), np.float32)


class _CountedInput:
    """Input blocks checked like :func:`check_audio` and counted, so the exact output length is known at the end."""

    def __init__(self, blocks: Iterable[np.ndarray], *, sr: int, channels: int) -> None:
        self._blocks = iter(blocks)
        self._sr = sr
        self._channels = channels
        self.frames = 0
        self.ended = False

    def __iter__(self) -> Iterator[np.ndarray]:
        return self

    def output_frames(self, tempo: float) -> int | None:
        """The render's exact length once the input has ended, else None."""
        return output_frames(self.frames, tempo=tempo) if self.ended else None

    def __next__(self) -> np.ndarray:
        try:
            block = next(self._blocks)
        except StopIteration:
            self.ended = True
            raise
        block = check_audio(block, sr=self._sr)
        if block.shape[0] != self._channels:
            raise ParameterError("y", block.shape, f"blocks of {self._channels} channels")
        self.frames += block.shape[1]
        return block
