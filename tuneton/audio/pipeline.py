"""Source file in, streamable render out: decode, stretch, limit and encode as one progressive pipeline.

Every stage streams: ffmpeg decodes into blocks, the engine renders each block as it arrives
(:meth:`Engine.stream_input`), the limiter and the encoder take ~0.1 s pieces. So the encoder's first
HLS segment is complete about one segment's worth of DSP after the start, not after a full decode
(which alone takes ~0.5 s for a 3-minute MP3). A caller (the render processor) watches ``out_dir``
and publishes what the encoder has finished.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tuneton.audio import decode
from tuneton.audio.analysis import loudness_lufs
from tuneton.audio.encode import StreamEncoder
from tuneton.audio.engines import get_engine
from tuneton.audio.errors import AnalysisError
from tuneton.audio.params import OutputFormat, RenderParams
from tuneton.audio.render import limited

SAMPLE_RATE = 44100
CHANNELS = 2
# Short segments first (first audio needs only ~0.6 s of render), then longer ones (fewer objects
# and requests); see tuneton.audio.hls for how the EVENT playlist is assembled.
HLS_FIRST_SEGMENT_S = 0.5
HLS_FIRST_SEGMENTS = 4
HLS_SEGMENT_S = 2.0


@dataclass(frozen=True, kw_only=True)
class RenderedFile:
    """What :func:`render_file` produced."""

    entry: Path
    frames: int
    sr: int
    lufs: float | None = None  # integrated loudness of the encoded output (None: silent, or under 400 ms)

    @property
    def duration_s(self) -> float:
        """Length of the render in seconds."""
        return self.frames / self.sr


def expected_segments(duration_s: float, *, tempo: float) -> int:
    """HLS segments a render of ``duration_s`` source seconds will have (an estimate: ffmpeg cuts at packets,
    and the encoder's priming may add a last short one)."""
    rendered = max(0.0, duration_s / tempo)
    short = HLS_FIRST_SEGMENTS + 1  # ffmpeg cuts one more than the window size at hls_init_time ...
    head = HLS_FIRST_SEGMENT_S * short
    if rendered <= head:
        return max(1, math.ceil(rendered / HLS_FIRST_SEGMENT_S - 0.05))
    # ... then at the next multiples of hls_time (counted from the start of the stream)
    return short + math.ceil(rendered / HLS_SEGMENT_S - 0.05) - math.floor(head / HLS_SEGMENT_S)


def progress_total(duration_s: float, *, params: RenderParams) -> int:
    """How many progress units a render of ``duration_s`` source seconds has: HLS segments, or MP3 seconds.

    The render processor reports an MP3's progress in whole encoded seconds (it is one growing file),
    so its total is the rendered length in seconds, not the HLS segment estimate.
    """
    if params.output_format is OutputFormat.MP3:
        return max(1, math.ceil(max(0.0, duration_s) / params.tempo))
    return expected_segments(duration_s, tempo=params.tempo)


def output_loudness(entry: Path, *, sr: int = SAMPLE_RATE) -> float | None:
    """Integrated loudness (LUFS) of an encoded render, decoded as a listener hears it.

    Measured on the output, not predicted from the source: the encoder changes it (MP3's low-pass takes
    0.5-0.6 LU off a typical mix under the K-weighting, which lifts the highs).
    """
    try:
        lufs = loudness_lufs(decode.decode(entry, sr=sr), sr=sr)
    except AnalysisError:
        return None
    return lufs if math.isfinite(lufs) else None  # silence: no loudness to report


def render_file(
    source: Path,
    out_dir: Path,
    *,
    params: RenderParams,
    engine_name: str,
    frames_hint: int,
    sr: int = SAMPLE_RATE,
    channels: int = CHANNELS,
    segments: tuple[float, int, float] = (HLS_FIRST_SEGMENT_S, HLS_FIRST_SEGMENTS, HLS_SEGMENT_S),
) -> RenderedFile:
    """Render ``source`` into ``out_dir`` (HLS playlist + segments, or an MP3), progressively.

    Parameters
    ----------
    source : Path
        Any file ffmpeg decodes.
    out_dir : Path
        Output directory (created); the encoder's files appear in it as they are finished.
    params : RenderParams
        Pitch, tempo, formant, quality and output format.
    engine_name : str
        Engine to use (part of the asset key).
    frames_hint : int
        Expected source length in frames at ``sr`` (from the probe's duration).
    segments : (first segment s, how many short ones, segment s)
        HLS segmenting; the default is the service's (benchmarks compare others).

    Raises
    ------
    DecodeError, ParameterError, EngineError, EncodeError
        The render failed; ``out_dir`` holds no complete render (no ``#EXT-X-ENDLIST``).

    The result's ``lufs`` is measured on the finished output (:func:`output_loudness`).
    """
    engine = get_engine(engine_name)
    blocks = decode.stream_decode(source, sr=sr, channels=channels)
    stretched = engine.stream_input(blocks, sr=sr, channels=channels, frames_hint=frames_hint, params=params)
    frames = 0
    with StreamEncoder(
        out_dir,
        sr=sr,
        channels=channels,
        output_format=params.output_format,
        quality=params.quality,
        first_segment_s=segments[0],
        first_segments=segments[1],
        segment_s=segments[2],
    ) as encoder:
        for block in limited(stretched, sr=sr, channels=channels):
            encoder.write(block)
            frames += block.shape[1]
    return RenderedFile(entry=encoder.entry, frames=frames, sr=sr, lufs=output_loudness(encoder.entry, sr=sr))
