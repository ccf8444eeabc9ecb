"""DSP engines behind one interface (:class:`Engine`); pick one by name with :func:`get_engine`."""

from __future__ import annotations

from tuneton.audio.engines.base import Engine, check_audio, output_frames
from tuneton.audio.engines.rubberband import RubberBandEngine
from tuneton.audio.engines.signalsmith import SignalsmithEngine
from tuneton.audio.errors import ParameterError

DEFAULT_ENGINE = RubberBandEngine.name
ENGINES: dict[str, type[Engine]] = {RubberBandEngine.name: RubberBandEngine, SignalsmithEngine.name: SignalsmithEngine}


def get_engine(name: str = DEFAULT_ENGINE) -> Engine:
    """The engine called ``name`` (``"rubberband-r3"`` or ``"signalsmith-stretch"``).

    Raises
    ------
    ParameterError
        Unknown name.
    """
    try:
        return ENGINES[name]()
    except (KeyError, TypeError):
        raise ParameterError("engine", name, "one of: " + ", ".join(ENGINES)) from None


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Engine",
    "RubberBandEngine",
    "SignalsmithEngine",
    "check_audio",
    "get_engine",
    "output_frames",
]
