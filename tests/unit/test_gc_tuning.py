"""The collector's thresholds follow the setting; 0 keeps what Python would do."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from tuneton.observability.gc_tuning import OLDER_THRESHOLDS, tune_gc
from tuneton.settings import Settings


@pytest.fixture(autouse=True)
def restored() -> Iterator[None]:
    saved = gc.get_threshold()
    yield
    gc.set_threshold(*saved)


def test_the_young_threshold_is_the_setting() -> None:
    tune_gc(Settings().gc_young_threshold)
    assert gc.get_threshold() == (50_000, *OLDER_THRESHOLDS)


def test_zero_leaves_the_thresholds_alone() -> None:
    gc.set_threshold(700, 10, 10)
    tune_gc(0)
    assert gc.get_threshold() == (700, 10, 10)


def test_a_negative_threshold_is_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="gc_young_threshold"):
        Settings(gc_young_threshold=-1)
