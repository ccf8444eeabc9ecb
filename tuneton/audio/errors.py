"""Errors of the audio package, rooted at :class:`AudioError` (librosa's ``LibrosaError > ParameterError``).

Every error carries the data a caller needs to explain it; the API edge maps them to 4xx/5xx in one place.
"""

from __future__ import annotations

import reprlib

# Refused values are echoed to API clients: keep a 400-digit number or a long string to a readable size.
_SHORT = reprlib.Repr()
_SHORT.maxlong, _SHORT.maxstring, _SHORT.maxother = 40, 80, 80


class AudioError(Exception):
    """Root of every error raised by :mod:`tuneton.audio`."""


class ParameterError(AudioError, ValueError):
    """A parameter is outside its allowed range or of the wrong type.

    Parameters
    ----------
    field : str
        Name of the offending parameter, as the request spells it (``"pitch_cents"``).
    value : object
        The rejected value.
    allowed : str
        Human-readable range or choice list (``"-1200..1200"``, ``"one of: preview, high"``).
    """

    def __init__(self, field: str, value: object, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}={_SHORT.repr(value)} is invalid: must be {allowed}")


class UnsupportedParameter(ParameterError):
    """A valid parameter that the selected engine cannot honour (e.g. formants with Signalsmith)."""


class DecodeError(AudioError):
    """The source could not be read or decoded.

    Parameters
    ----------
    source : str
        Path or short description of the input.
    reason : str
        The decoder's own message (stderr tail).
    """

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"cannot decode {source}: {reason}")


class EncodeError(AudioError):
    """The encoder failed or is missing (``reason`` holds its stderr tail)."""

    def __init__(self, target: str, reason: str) -> None:
        self.target = target
        self.reason = reason
        super().__init__(f"cannot encode {target}: {reason}")


class EngineError(AudioError):
    """The DSP engine failed or is not installed."""

    def __init__(self, engine: str, reason: str) -> None:
        self.engine = engine
        self.reason = reason
        super().__init__(f"engine {engine}: {reason}")


class AnalysisError(AudioError):
    """An analysis could not produce a result (e.g. silence has no key or tempo)."""
