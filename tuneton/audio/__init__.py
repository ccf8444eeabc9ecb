"""Pitch/tempo rendering and analysis for tuneTON, in librosa's style: arrays in, arrays out.

Audio arrays are ``float32`` of shape ``(channels, frames)`` at a sample rate passed alongside.
This package imports no domain, adapter, event or web code (an import-linter contract checks it).
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
    "UnsupportedParameter",
    "asset_key",
    "parse_params",
    "to_original_time",
    "to_render_time",
]
