"""The render decider: coalescing, cache hits, attempts, and idempotent processor reports."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import reduce
from typing import Any

import pytest

from tests.unit.render_samples import ASSET, ASSET_KEY, PARAMS, SOURCE
from tuneton.domain.context import CommandContext
from tuneton.domain.render import commands as c
from tuneton.domain.render import events as e
from tuneton.domain.render.decider import Render, decide, evolve, progress_percent
from tuneton.domain.render.errors import RenderNotFound
from tuneton.domain.render.values import FailureReason, RenderStatus

CTX = CommandContext(actor_id="listener-1", issued_at=datetime(2026, 1, 2, tzinfo=UTC))
REQUEST = c.RequestTransform(asset_key=ASSET_KEY, source=SOURCE, params=PARAMS, engine="r3", engine_version="1")


def fold(events: list[Any]) -> Render | None:
    return reduce(evolve, events, None)  # type: ignore[arg-type]


def requested(attempt: int = 1) -> e.TransformRequested:
    return e.TransformRequested(source=SOURCE, params=PARAMS, engine="r3", engine_version="1", attempt=attempt)


def progress(segments: int, attempt: int = 1) -> c.RecordRenderProgress:
    return c.RecordRenderProgress(
        asset_key=ASSET_KEY, attempt=attempt, segments_ready=segments, segments_total=10, rendered_ms=4000 * segments,
        entry_key=ASSET.entry_key,
    )  # fmt: skip


def test_first_request_starts_attempt_one() -> None:
    assert decide(None, REQUEST, CTX) == [requested(1)]
    state = fold([requested(1)])
    assert state is not None
    assert state.status is RenderStatus.QUEUED


def test_requests_while_in_flight_are_coalesced() -> None:
    queued = fold([requested()])
    assert decide(queued, REQUEST, CTX) == []
    rendering = evolve(queued, decide(queued, progress(1), CTX)[0])
    assert rendering.status is RenderStatus.RENDERING
    assert decide(rendering, REQUEST, CTX) == []


def test_a_request_for_a_ready_asset_is_a_cache_hit() -> None:
    ready = fold([requested(), e.AssetRendered(attempt=1, asset=ASSET)])
    assert decide(ready, REQUEST, CTX) == [e.AssetRendered(attempt=1, asset=ASSET, cache_hit=True)]


def test_a_request_after_a_failure_starts_the_next_attempt() -> None:
    failed = fold([requested(), e.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="disk full")])
    assert failed is not None
    assert failed.status is RenderStatus.FAILED
    assert decide(failed, REQUEST, CTX) == [requested(2)]


def test_progress_is_monotonic_so_a_rerender_after_redelivery_adds_nothing() -> None:
    state = fold([requested()])
    first = decide(state, progress(3), CTX)
    assert first == [
        e.RenderProgressed(attempt=1, segments_ready=3, segments_total=10, rendered_ms=12000, percent=30,
                           entry_key=ASSET.entry_key)
    ]  # fmt: skip
    state = evolve(state, first[0])
    assert decide(state, progress(3), CTX) == []
    assert decide(state, progress(1), CTX) == []
    assert len(decide(state, progress(4), CTX)) == 1


def test_completion_is_recorded_exactly_once() -> None:
    state = fold([requested()])
    done = decide(state, c.CompleteRender(asset_key=ASSET_KEY, attempt=1, asset=ASSET), CTX)
    assert done == [e.AssetRendered(attempt=1, asset=ASSET)]
    state = evolve(state, done[0])
    assert decide(state, c.CompleteRender(asset_key=ASSET_KEY, attempt=1, asset=ASSET), CTX) == []
    assert decide(state, progress(9), CTX) == []
    fail = c.FailRender(asset_key=ASSET_KEY, attempt=1, reason=FailureReason.INTERNAL, detail="late")
    assert decide(state, fail, CTX) == []  # a ready asset never turns failed


def test_reports_of_another_attempt_change_nothing() -> None:
    state = fold([requested(1), e.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="x"), requested(2)])
    assert decide(state, progress(5, attempt=1), CTX) == []
    assert decide(state, c.CompleteRender(asset_key=ASSET_KEY, attempt=1, asset=ASSET), CTX) == []
    assert len(decide(state, c.CompleteRender(asset_key=ASSET_KEY, attempt=2, asset=ASSET), CTX)) == 1


def test_failure_is_recorded_with_its_reason() -> None:
    state = fold([requested()])
    fail = c.FailRender(asset_key=ASSET_KEY, attempt=1, reason=FailureReason.UNDECODABLE_SOURCE, detail="bad mp3")
    assert decide(state, fail, CTX) == [
        e.RenderFailed(attempt=1, reason=FailureReason.UNDECODABLE_SOURCE, detail="bad mp3")
    ]


def test_reports_for_an_unknown_asset_are_rejected() -> None:
    with pytest.raises(RenderNotFound):
        decide(None, progress(1), CTX)


@pytest.mark.parametrize(("ready", "total", "percent"), [(0, 10, 0), (1, 3, 33), (3, 3, 100), (5, 3, 100), (1, 0, 0)])
def test_progress_percent(ready: int, total: int, percent: int) -> None:
    assert progress_percent(ready, total) == percent
