"""Signalsmith Stretch through python-stretch (MIT): the fast, permissively licensed alternative.

python-stretch 0.3.1 has no streaming call (``process`` starts from scratch each time), so the
stream is emulated with overlapping chunks joined by :mod:`tuneton.audio.chunks`: a short first
chunk for a fast first segment, then long ones to keep joins rare. It cannot preserve formants.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType
from typing import ClassVar

import numpy as np

from tuneton.audio import chunks
from tuneton.audio.engines.base import Engine
from tuneton.audio.errors import EngineError
from tuneton.audio.params import Quality, RenderParams

CHUNK_SECONDS = [3.0, 20.0]  # input seconds: first chunk, then every later one
WRAPPER_REVISION = 1


class SignalsmithEngine(Engine):
    """Signalsmith Stretch; ``preview`` uses its ``cheaper`` preset."""

    name: ClassVar[str] = "signalsmith-stretch"
    continuous: ClassVar[bool] = False
    supports_formant: ClassVar[bool] = False

    @property
    def version(self) -> str:
        """python-stretch's version and our wrapper revision."""
        return f"python-stretch-{_module().__version__}+tt{WRAPPER_REVISION}"

    def _blocks(self, y: np.ndarray, *, sr: int, params: RenderParams) -> Iterator[np.ndarray]:
        def render(part: np.ndarray) -> np.ndarray:
            return self.render_once(part, sr=sr, params=params)

        return chunks.render_chunked(render, y, sr=sr, tempo=params.tempo, lengths_s=CHUNK_SECONDS)

    @staticmethod
    def render_once(y: np.ndarray, *, sr: int, params: RenderParams) -> np.ndarray:
        """One-shot render of ``y`` [shape=(channels, frames), float32]; length ``frames / tempo``."""
        stretch = _module().Signalsmith.Stretch()
        stretch.preset(y.shape[0], float(sr), params.quality is Quality.PREVIEW)
        stretch.setTimeFactor(params.tempo)  # python-stretch: > 1 speeds up, i.e. our tempo ratio
        stretch.setTransposeSemitones(params.semitones)
        return np.asarray(stretch.process(y), dtype=np.float32)


def _module() -> ModuleType:
    try:
        import python_stretch
        import python_stretch.Signalsmith  # binds the native submodule
    except ImportError as exc:
        raise EngineError(SignalsmithEngine.name, f"python-stretch is not installed ({exc})") from None
    return python_stretch
