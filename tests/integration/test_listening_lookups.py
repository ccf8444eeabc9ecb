"""What the listening commands check before they are sent: renders to switch to, on real read stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from commands.lookups import NotPlayable, rendition
from projections.renders import project as renders
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.integration.read_models import fresh_read_store
from tests.unit.render_samples import ASSET, PARAMS, SOURCE
from tuneton.domain.readmodel import EventMeta
from tuneton.domain.render import events as e
from tuneton.domain.render.values import FailureReason
from tuneton.ports import Checkpoint, ReadStore

KEY = "cd" * 32
REQUESTED = e.TransformRequested(source=SOURCE, params=PARAMS, engine="rubberband-r3", engine_version="4", attempt=1)
PROGRESSED = e.RenderProgressed(attempt=1, segments_ready=2, segments_total=37, rendered_ms=6_000, percent=5,
                                entry_key=ASSET.entry_key)  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ReadStore]:
    async with fresh_read_store(request, tmp_path, "renders") as opened:
        yield opened


async def given(store: ReadStore, *events: Any) -> None:
    batch = []
    for version, event in enumerate(events, start=1):
        meta = EventMeta(aggregate_id=KEY, aggregate_version=version, occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
                         actor_id="u")  # fmt: skip
        checkpoint = Checkpoint(projection="renders", topic="t", partition=0, offset=version, aggregate_id=KEY,
                                aggregate_version=version)  # fmt: skip
        batch.append((renders.project(event, meta), checkpoint))
    await store.apply(batch)


FAILED = e.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="x")
MP3 = replace(REQUESTED, params=replace(PARAMS, output_format="mp3"))
REFUSED: list[tuple[str, tuple[Any, ...], str, str]] = [
    ("queued", (REQUESTED,), "t1", "render_not_ready"),
    ("an mp3 still rendering", (MP3, PROGRESSED), "t1", "render_not_ready"),
    ("failed", (REQUESTED, FAILED), "t1", "render_failed"),
    ("of another track", (REQUESTED, e.AssetRendered(attempt=1, asset=ASSET)), "t9", "render_not_found"),
    ("never requested", (), "t1", "render_not_found"),
]  # fmt: skip


@pytest.mark.parametrize(("past", "track", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_a_render_that_cannot_play_is_refused_with_its_reason(
    store: ReadStore, past: tuple[Any, ...], track: str, reason: str
) -> None:
    await given(store, *past)
    with pytest.raises(NotPlayable) as refused:
        await rendition(store, KEY, track)
    assert refused.value.reason == reason
    assert refused.value.status == (404 if reason == "render_not_found" else 409)


@pytest.mark.parametrize(
    ("past", "duration_ms"),
    [((REQUESTED, e.AssetRendered(attempt=1, asset=ASSET)), 146_400), ((REQUESTED, PROGRESSED), 146_400)],
    ids=["ready", "hls-still-rendering"],
)
async def test_a_playable_render_gives_its_tempo_and_length(
    store: ReadStore, past: tuple[Any, ...], duration_ms: int
) -> None:
    await given(store, *past)
    assert await rendition(store, KEY, "t1") == (1.25, duration_ms)
