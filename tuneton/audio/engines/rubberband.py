"""Rubber Band R3 ("finer") in-process through pylibrb, offline mode: the quality reference.

Offline mode knows the input length (study), so the output length is exact and time-aligned.
Input is fed in 1024-frame blocks: docs/dsp.md measured drift when R3 is fed very large blocks.
Licence: Rubber Band is GPL-2.0-or-later or commercial (docs/dsp.md, "Licensing").
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from tuneton.audio.engines.base import Engine
from tuneton.audio.errors import EngineError
from tuneton.audio.params import Quality, RenderParams

if TYPE_CHECKING:
    from pylibrb import RubberBandStretcher

BLOCK_FRAMES = 1024
STUDY_FRAMES = 1 << 16
HINT_MARGIN = 0.02  # probe durations of compressed files are estimates (MP3 without a Xing header)
WRAPPER_REVISION = 1  # bump when our options or feeding change the output
_MAX_IDLE_POLLS = 1000


class RubberBandEngine(Engine):
    """Rubber Band Library R3 engine; ``preview`` uses its single short window (several times faster)."""

    name: ClassVar[str] = "rubberband-r3"
    continuous: ClassVar[bool] = True
    supports_formant: ClassVar[bool] = True

    @property
    def version(self) -> str:
        """pylibrb's version (it bundles the library) and our wrapper revision."""
        pylibrb = _import_pylibrb()
        return f"pylibrb-{pylibrb.__version__}+tt{WRAPPER_REVISION}"

    def _blocks(self, y: np.ndarray, *, sr: int, params: RenderParams) -> Iterator[np.ndarray]:
        return self._blocks_from(iter([y]), sr=sr, channels=y.shape[0], frames_hint=y.shape[1], params=params)

    def _blocks_from(
        self, blocks: Iterator[np.ndarray], *, sr: int, channels: int, frames_hint: int, params: RenderParams
    ) -> Iterator[np.ndarray]:
        """Offline R3 on input that may still be arriving (a whole array is one block).

        R3's study pass only measures the input length, so studying silence of the expected length
        plans exactly as studying the audio would (measured: bit-identical output), and output can
        start after the first block instead of after a full decode. A hint longer than the input
        only adds output past the end, which :meth:`stream_input` cuts off; hence the margin.
        """
        stretcher = self._stretcher(sr=sr, channels=channels, params=params)
        planned = max(1, round(frames_hint * (1 + HINT_MARGIN)) + sr)
        stretcher.set_expected_input_duration(planned)
        silence = np.zeros((channels, STUDY_FRAMES), np.float32)
        for start in range(0, planned, STUDY_FRAMES):
            size = min(STUDY_FRAMES, planned - start)
            stretcher.study(silence[:, :size], final=start + size >= planned)
        pending = np.zeros((channels, 0), np.float32)
        for block in blocks:
            pending = np.concatenate([pending, block], axis=1) if pending.shape[1] else block
            while pending.shape[1] > BLOCK_FRAMES:  # keep one block back: the last one carries final=True
                stretcher.process(pending[:, :BLOCK_FRAMES], final=False)
                pending = pending[:, BLOCK_FRAMES:]
                if stretcher.available() > 0:
                    yield stretcher.retrieve_available()
        stretcher.process(np.ascontiguousarray(pending), final=True)
        yield from _drain(stretcher)

    @staticmethod
    def _stretcher(*, sr: int, channels: int, params: RenderParams) -> RubberBandStretcher:
        pylibrb = _import_pylibrb()
        option, stretcher_class = pylibrb.Option, pylibrb.RubberBandStretcher
        options = option.PROCESS_OFFLINE | option.ENGINE_FINER | option.THREADING_NEVER
        if params.quality is Quality.PREVIEW:
            options |= option.WINDOW_SHORT
        options |= option.FORMANT_PRESERVED if params.formant else option.FORMANT_SHIFTED
        stretcher = stretcher_class(
            sr, channels, options, initial_time_ratio=params.time_ratio, initial_pitch_scale=params.pitch_scale
        )
        stretcher.set_max_process_size(BLOCK_FRAMES)
        return stretcher  # type: ignore[no-any-return]  # pylibrb ships no type information


def _import_pylibrb() -> ModuleType:
    try:
        import pylibrb
    except ImportError as exc:  # a non-GPL deployment may leave it out and use Signalsmith
        raise EngineError(RubberBandEngine.name, f"pylibrb is not installed ({exc})") from None
    return pylibrb


def _drain(stretcher: RubberBandStretcher) -> Iterator[np.ndarray]:
    idle = 0
    while not stretcher.is_done():
        if stretcher.available() > 0:
            idle = 0
            yield stretcher.retrieve_available()
        else:
            idle += 1
            if idle > _MAX_IDLE_POLLS:
                raise EngineError(RubberBandEngine.name, "stretcher stopped producing output before the end")
