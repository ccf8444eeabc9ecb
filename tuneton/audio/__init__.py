"""Pitch/tempo rendering and analysis for tuneTON, in librosa's style: arrays in, arrays out.

Audio arrays are ``float32`` of shape ``(channels, frames)`` at a sample rate passed alongside.
This package imports no domain, adapter, event or web code (an import-linter contract checks it).

Typical use (a render worker)::

    y = decode.decode(path)                                   # (2, frames) float32 @ 44.1 kHz
    key = asset_key(source_sha256=decode.sha256_file(path), params=params,
                    engine_name=engine.name, engine_version=engine.version)
    with encode.StreamEncoder(out_dir / key, sr=44100, channels=2, output_format=params.output_format) as enc:
        for segment in iter_segments(y, sr=44100, params=params, engine=engine):
            enc.write(segment.audio)                          # playlist grows; publish "segment ready"
"""

from tuneton.audio.errors import (
    AnalysisError,
    AudioError,
    DecodeError,
    EncodeError,
    EngineError,
    ParameterError,
    UnsupportedParameter,
)
from tuneton.audio.params import OutputFormat, Quality, RenderParams, asset_key, parse_params
from tuneton.audio.positions import to_original_time, to_render_time
from tuneton.audio.render import Segment, iter_segments, render, render_parallel

__all__ = [
    "AnalysisError",
    "AudioError",
    "DecodeError",
    "EncodeError",
    "EngineError",
    "OutputFormat",
    "ParameterError",
    "Quality",
    "RenderParams",
    "Segment",
    "UnsupportedParameter",
    "asset_key",
    "iter_segments",
    "parse_params",
    "render",
    "render_parallel",
    "to_original_time",
    "to_render_time",
]
