"""A storm of one repeated warning writes a bounded number of lines, and says how many it held back."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from tuneton.observability.repeats import RepeatFilter


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> _Clock:
    return _Clock()


@pytest.fixture
def captured(clock: _Clock) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RepeatFilter(burst=3, window_s=10, clock=clock))
    logger = logging.getLogger("test.repeats.aiokafka")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def test_a_connection_error_storm_is_bounded_and_counted(
    captured: tuple[logging.Logger, io.StringIO], clock: _Clock
) -> None:
    logger, stream = captured
    for _ in range(10_000):  # ~100 ms retries of a few clients over a minute
        logger.error("Unable connect to node with id %s: %s", 1, "Connection refused")
    assert len(stream.getvalue().splitlines()) == 3
    clock.now = 10.0
    logger.error("Unable connect to node with id %s: %s", 1, "Connection refused")
    last = stream.getvalue().splitlines()[-1]
    assert "9997 similar lines suppressed" in last


def test_different_messages_and_info_lines_are_not_held_back(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    for n in range(10):
        logger.info("request %s", n)
        logger.warning("Unable to update metadata from %s", [1])
        logger.error("Heartbeat failed: %r", n)
    lines = stream.getvalue().splitlines()
    assert sum("request" in line for line in lines) == 10
    assert sum("metadata" in line for line in lines) == 3
    assert sum("Heartbeat" in line for line in lines) == 3
