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
        pylibrb = _import_pylibrb()
        option, stretcher_class = pylibrb.Option, pylibrb.RubberBandStretcher
        options = option.PROCESS_OFFLINE | option.ENGINE_FINER | option.THREADING_NEVER
        if params.quality is Quality.PREVIEW:
            options |= option.WINDOW_SHORT
        options |= option.FORMANT_PRESERVED if params.formant else option.FORMANT_SHIFTED
        stretcher = stretcher_class(
            sr, y.shape[0], options, initial_time_ratio=params.time_ratio, initial_pitch_scale=params.pitch_scale
        )
        frames = y.shape[1]
        stretcher.set_max_process_size(BLOCK_FRAMES)
        stretcher.set_expected_input_duration(frames)
        stretcher.study(y, final=True)  # R3 only measures the length here: cheap, no analysis pass
        for start in range(0, frames, BLOCK_FRAMES):
            stretcher.process(y[:, start : start + BLOCK_FRAMES], final=start + BLOCK_FRAMES >= frames)
            if stretcher.available() > 0:
                yield stretcher.retrieve_available()
        if frames == 0:
            stretcher.process(y, final=True)
        yield from _drain(stretcher)


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
