"""How long ``tuneton serve`` waits before starting a dead embedded worker again."""

from __future__ import annotations

from processors.embedded_worker import HEALTHY_AFTER_S, RESTART_PAUSE_MAX_S, RESTART_PAUSE_S, restart_pause


def test_quick_deaths_double_the_pause_up_to_its_cap() -> None:
    pauses: list[float] = []
    pause: float | None = None
    for _ in range(8):
        pause = restart_pause(pause, ran_s=0.5)
        pauses.append(pause)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    assert pauses[0] == RESTART_PAUSE_S
    assert pauses[-1] == RESTART_PAUSE_MAX_S


def test_a_worker_that_ran_a_while_starts_the_count_again() -> None:
    assert restart_pause(16.0, ran_s=HEALTHY_AFTER_S) == RESTART_PAUSE_S
    assert restart_pause(16.0, ran_s=HEALTHY_AFTER_S - 1) == 30.0
