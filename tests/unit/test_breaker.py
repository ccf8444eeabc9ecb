"""The breaker refuses calls at once for a moment after a store failed to answer, and no longer."""

from __future__ import annotations

import pytest

from tuneton.availability import Breaker, StoreUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_calls_are_refused_for_open_s_after_a_failure_then_tried_again() -> None:
    clock = Clock()
    breaker = Breaker("read store", open_s=1.0, clock=clock)
    breaker.check()  # closed: nothing failed yet
    breaker.failed("connection refused")
    clock.now += 0.5
    with pytest.raises(StoreUnavailable, match="connection refused") as refused:
        breaker.check()
    assert refused.value.store == "read store"
    assert refused.value.retry_after_s >= 1
    clock.now += 0.5
    breaker.check()  # open_s passed: the next call probes the store again
