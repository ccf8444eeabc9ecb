"""One sample of every render command and event (codec round-trips, decider tests)."""

from __future__ import annotations

from typing import Any

from query_api.media_links import MediaLinks
from tuneton.auth.media_urls import MediaUrlSigner, SigningKey
from tuneton.domain.render import commands as rc
from tuneton.domain.render import events as re
from tuneton.domain.render.values import FailureReason, Musical, RenderedAsset, SourceAudio, TransformParams

ASSET_KEY = "ab" * 32
SOURCE = SourceAudio(
    track_id="t1",
    blob_key="originals/aa/" + "aa" * 32,
    sha256="aa" * 32,
    duration_ms=183_000,
    musical=Musical(bpm=120.0, key="A minor", lufs=-14.5),
)
BARE_SOURCE = SourceAudio(track_id="t2", blob_key="k", sha256="bb" * 32, duration_ms=1000)
PARAMS = TransformParams(pitch_cents=300, tempo=1.25, formant=True, quality="high", output_format="aac-hls")
ASSET = RenderedAsset(
    entry_key=f"renders/{ASSET_KEY}/playlist.m3u8",
    prefix=f"renders/{ASSET_KEY}/",
    output_format="aac-hls",
    segment_count=37,
    duration_ms=146_400,
    size_bytes=2_950_000,
    musical=Musical(bpm=150.0, key="C minor", key_offset_cents=0, lufs=-14.5),
)

RENDER_COMMANDS: list[tuple[str, Any]] = [
    ("render", rc.RequestTransform(asset_key=ASSET_KEY, source=SOURCE, params=PARAMS, engine="rubberband-r3",
                                   engine_version="4.0.0+1")),
    ("render", rc.RequestTransform(asset_key=ASSET_KEY, source=BARE_SOURCE, params=PARAMS, engine="signalsmith",
                                   engine_version="1")),
    ("render", rc.RecordRenderProgress(asset_key=ASSET_KEY, attempt=1, segments_ready=3, segments_total=37,
                                       rendered_ms=9000, entry_key=ASSET.entry_key)),
    ("render", rc.CompleteRender(asset_key=ASSET_KEY, attempt=1, asset=ASSET)),
    ("render", rc.FailRender(asset_key=ASSET_KEY, attempt=2, reason=FailureReason.UNDECODABLE_SOURCE, detail="x")),
]  # fmt: skip

RENDER_EVENTS: list[tuple[str, Any]] = [
    ("render", re.TransformRequested(source=SOURCE, params=PARAMS, engine="rubberband-r3", engine_version="4.0.0+1",
                                     attempt=1)),
    ("render", re.RenderProgressed(attempt=1, segments_ready=3, segments_total=37, rendered_ms=9000, percent=8,
                                   entry_key=ASSET.entry_key)),
    ("render", re.AssetRendered(attempt=1, asset=ASSET)),
    ("render", re.AssetRendered(attempt=1, asset=ASSET, cache_hit=True)),
    ("render", re.RenderFailed(attempt=1, reason=FailureReason.INTERNAL, detail="encoder exited with 1")),
]  # fmt: skip


SIGNER = MediaUrlSigner([SigningKey("test", b"k" * 32)], ttl_s=3600, granularity_s=900)
LINKS = MediaLinks(SIGNER, None, now=0.0)  # anonymous links signed at the epoch, for views under test
