"""t_render = t_original / tempo, both ways."""

from __future__ import annotations

import pytest

from tuneton.audio import ParameterError, to_original_time, to_render_time


@pytest.mark.parametrize(
    ("t_original", "tempo", "t_render"),
    [(0.0, 1.0, 0.0), (60.0, 1.25, 48.0), (60.0, 0.8, 75.0), (10.0, 2.0, 5.0), (10.0, 0.5, 20.0)],
)
def test_mapping(t_original: float, tempo: float, t_render: float) -> None:
    assert to_render_time(t_original, tempo=tempo) == pytest.approx(t_render)
    assert to_original_time(t_render, tempo=tempo) == pytest.approx(t_original)


@pytest.mark.parametrize("tempo", [0.5, 0.7371, 1.0, 1.3333, 2.0])
def test_round_trip(tempo: float) -> None:
    for t in (0.0, 0.001, 33.3, 3600.0):
        assert to_original_time(to_render_time(t, tempo=tempo), tempo=tempo) == pytest.approx(t, abs=1e-9)


@pytest.mark.parametrize(
    ("t", "tempo", "field"),
    [
        (-1.0, 1.0, "t_original"),
        (float("nan"), 1.0, "t_original"),
        (float("inf"), 1.0, "t_original"),
        (1.0, 0.4, "tempo"),
        (1.0, 2.5, "tempo"),
    ],
)
def test_rejects(t: float, tempo: float, field: str) -> None:
    with pytest.raises(ParameterError, match=rf"^{field}="):
        to_render_time(t, tempo=tempo)
