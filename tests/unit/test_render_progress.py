"""Render progress and results as the render processor reports them (regressions of MP3 renders)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from processors.render import SegmentPublisher, predicted_musical
from tests.fakes import InMemoryBlobStore
from tuneton.audio.encode import BITRATES, MP3_FILE
from tuneton.audio.params import OutputFormat, Quality, RenderParams
from tuneton.audio.pipeline import expected_segments, progress_total
from tuneton.domain.render.decider import progress_percent
from tuneton.domain.render.values import Musical

MP3 = RenderParams(tempo=1.25, output_format=OutputFormat.MP3)
HLS = RenderParams(tempo=1.25, output_format=OutputFormat.AAC_HLS)


def test_an_mp3_s_progress_total_is_its_rendered_seconds_and_hls_its_segments() -> None:
    assert progress_total(183.0, params=MP3) == math.ceil(183.0 / 1.25) == 147
    assert progress_total(183.0, params=HLS) == expected_segments(183.0, tempo=1.25)


async def test_mp3_progress_grows_to_its_total_without_reaching_100_before_completion(tmp_path: Path) -> None:
    """Regression: the total was the HLS estimate (about half the seconds), so 100 % came at half the work."""
    total = progress_total(183.0, params=MP3)
    publisher = SegmentPublisher(InMemoryBlobStore(), prefix="renders/k/", out_dir=tmp_path, params=MP3, expected=total)
    bytes_per_second = BITRATES[(OutputFormat.MP3, Quality.HIGH)] * 1000 // 8
    percents = []
    for seconds in (1, 30, 73, 120, 146, 150):  # the byte estimate may overshoot the real length a little
        (tmp_path / MP3_FILE).write_bytes(b"\xff" * (seconds * bytes_per_second))
        ready = await publisher.publish(final=False)
        assert ready <= total - 1
        percents.append(progress_percent(ready, total))
    assert percents == sorted(percents)
    assert percents[2] == pytest.approx(50, abs=1)  # half the seconds is half the work
    assert max(percents) == 99
    assert await publisher.publish(final=True) >= total


@pytest.mark.parametrize(
    ("source", "measured", "expected"),
    [
        (Musical(bpm=120.0, key="A minor", lufs=-14.5), -15.1, Musical(bpm=150.0, key="A minor", lufs=-15.1)),
        (None, -15.1, Musical(lufs=-15.1)),
        (None, None, None),
    ],
    ids=["analysed", "not-analysed", "nothing-known"],
)
def test_a_render_reports_the_loudness_measured_on_its_output(
    source: Musical | None, measured: float | None, expected: Musical | None
) -> None:
    """Regression: MP3 renders reported the source's -14.5 LUFS while measuring 0.5-0.6 LU quieter."""
    assert predicted_musical(source, RenderParams(tempo=1.25), lufs=measured) == expected
