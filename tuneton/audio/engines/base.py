"""The one engine interface: a stretcher turns ``(channels, frames)`` audio into a stream of output blocks.

An engine is stateless; :meth:`Engine.stream` runs one render session whose state (phases, windows)
lives for the whole track, so cutting its output anywhere gives gapless, click-free segments.
Engines that cannot keep state between calls (python-stretch 0.3.1) emulate the stream with
overlapping chunks joined by :mod:`tuneton.audio.chunks`; ``Engine.continuous`` tells which.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
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
        return _exact_length(self._blocks(y, sr=sr, params=params), channels=y.shape[0], frames=expected)

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


def _exact_length(blocks: Iterator[np.ndarray], *, channels: int, frames: int) -> Iterator[np.ndarray]:
    """Pass blocks through, trimming overshoot and zero-padding a short tail to exactly ``frames``."""
    done = 0
    for block in blocks:
        take = min(block.shape[1], frames - done)
        if take > 0:
            done += take
            yield np.ascontiguousarray(block[:, :take], dtype=np.float32)
    if done < frames:
        yield np.zeros((channels, frames - done), np.float32)
