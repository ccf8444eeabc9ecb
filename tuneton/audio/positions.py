"""Map playback positions between the original track and a re-tempoed render.

A render at tempo ``r`` plays ``r`` times as fast, so ``t_render = t_original / r`` exactly: the engines
keep the mapping linear (no drift, checked in the quality tests). Pitch does not affect positions.
"""

from __future__ import annotations

from tuneton.audio.errors import ParameterError
from tuneton.audio.params import normalise_tempo


def to_render_time(t_original: float, *, tempo: float) -> float:
    """Position in the render for a position in the original.

    Parameters
    ----------
    t_original : float >= 0
        Seconds into the original track.
    tempo : float
        Tempo ratio, ``0.5..2.0`` (normalised like :class:`~tuneton.audio.params.RenderParams`).

    Returns
    -------
    float
        Seconds into the render.

    Examples
    --------
    >>> to_render_time(60.0, tempo=1.25)
    48.0
    """
    return _check_time(t_original, "t_original") / normalise_tempo(tempo)


def to_original_time(t_render: float, *, tempo: float) -> float:
    """Position in the original for a position in the render (inverse of :func:`to_render_time`).

    Examples
    --------
    >>> to_original_time(48.0, tempo=1.25)
    60.0
    """
    return _check_time(t_render, "t_render") * normalise_tempo(tempo)


def _check_time(value: float, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0 or value == float("inf"):
        raise ParameterError(field, value, "a finite number of seconds >= 0")
    return float(value)
