"""What the listening commands check before they are sent: renders to switch to, on real read stores."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from commands.lookups import NotPlayable, rendition
from projections.registry import PROJECTIONS
from projections.renders import project as renders
from tests.contract.test_read_store_postgres import database  # noqa: F401 - the fixture, per module
from tests.integration.read_models import fresh_read_store
from tests.integration.test_render_read_model import register_track
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
# Whether the render is of the item playing is the listening decider's check (tests/unit), not the edge's.
REFUSED: list[tuple[str, tuple[Any, ...], str, str]] = [
    ("queued", (REQUESTED,), "public", "render_not_ready"),
    ("an mp3 still rendering", (MP3, PROGRESSED), "public", "render_not_ready"),
    ("failed", (REQUESTED, FAILED), "public", "render_failed"),
    ("of a track the caller cannot see", (REQUESTED, e.AssetRendered(attempt=1, asset=ASSET)), "private",
     "render_not_found"),
    ("never requested", (), "public", "render_not_found"),
]  # fmt: skip


async def source_track(store: ReadStore, visibility: str) -> None:
    """The render's source track in the tracks read model, another listener's (``alice``)."""
    await store.reset("tracks", PROJECTIONS["tracks"].tables)
    await register_track(store, SOURCE.track_id, "alice", visibility, SOURCE.sha256)


@pytest.mark.parametrize(("past", "visibility", "reason"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
async def test_a_render_that_cannot_play_is_refused_with_its_reason(
    store: ReadStore, past: tuple[Any, ...], visibility: str, reason: str
) -> None:
    await source_track(store, visibility)
    await given(store, *past)
    with pytest.raises(NotPlayable) as refused:
        await rendition(store, KEY, "bob")
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
    await source_track(store, "public")
    await given(store, *past)
    assert await rendition(store, KEY, "bob") == (SOURCE.track_id, 1.25, duration_ms)
