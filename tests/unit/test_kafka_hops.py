"""The backbone benchmark's reading of the decider's command-age histogram and of the API's append
histogram (benchmarks/kafka_hops.py)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Histogram, generate_latest

from benchmarks.kafka_hops import API_APPEND, DECIDER_AGE, api_appends, bucket_quantile, decider_stages

BUCKETS = (0.005, 0.01, 0.02, 0.05)


def _scrape(observations: dict[str, list[float]]) -> str:
    registry = CollectorRegistry()
    ages = Histogram(
        DECIDER_AGE.removesuffix("_seconds"), "ages", ["stage"], buckets=BUCKETS, registry=registry, unit="seconds"
    )
    for stage, values in observations.items():
        for value in values:
            ages.labels(stage).observe(value)
    return generate_latest(registry).decode()


def test_quantiles_interpolate_inside_the_bucket_they_fall_in() -> None:
    cumulative = [(0.01, 0.0), (0.02, 10.0), (float("inf"), 10.0)]
    assert bucket_quantile(0.5, cumulative) == pytest.approx(0.015)
    assert bucket_quantile(0.99, cumulative) == pytest.approx(0.0199)


def test_a_quantile_in_the_open_bucket_is_the_highest_finite_bound() -> None:
    assert bucket_quantile(0.99, [(0.01, 5.0), (float("inf"), 10.0)]) == pytest.approx(0.01)


def test_stages_count_only_what_came_between_the_two_scrapes() -> None:
    earlier = {"handed": [0.001] * 50, "sent": [0.04] * 50}
    later = {"handed": [0.001] * 50 + [0.012] * 3 + [0.006], "sent": [0.04] * 50 + [0.03] * 4}

    stages = decider_stages(_scrape(earlier), _scrape(later))

    assert set(stages) == {"handed", "sent"}
    assert stages["handed"]["commands"] == 4
    assert stages["handed"]["mean_ms"] == pytest.approx((3 * 12 + 6) / 4, abs=0.05)
    assert 10 <= stages["handed"]["p50_ms"] <= 20  # the median lies in the (10, 20] ms bucket
    assert stages["sent"] == {
        "commands": 4,
        "mean_ms": 30.0,
        "p50_ms": pytest.approx(35.0),
        "p99_ms": pytest.approx(49.7),
    }


def test_a_stage_with_nothing_new_is_left_out() -> None:
    same = _scrape({"durable": [0.002]})
    assert decider_stages(same, same) == {}


def _appends(values: list[float]) -> str:
    registry = CollectorRegistry()
    name = API_APPEND.removesuffix("_seconds")
    appends = Histogram(name, "appends", buckets=BUCKETS, registry=registry, unit="seconds")
    for value in values:
        appends.observe(value)
    return generate_latest(registry).decode()


def test_the_api_s_appends_are_read_from_its_unlabelled_histogram() -> None:
    appended = api_appends(_appends([0.001] * 10), _appends([0.001] * 10 + [0.003, 0.004]))
    assert appended["commands"] == 2
    assert appended["mean_ms"] == pytest.approx(3.5)
    assert 0 < appended["p50_ms"] <= 5  # both in the first bucket
    assert api_appends(_appends([0.002]), _appends([0.002])) == {}
