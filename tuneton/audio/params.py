"""Render request parameters: validation, normalisation and the content-addressed asset key.

Everything here is pure: no clock, no I/O. A request is validated once into a frozen
:class:`RenderParams`; the asset key is a hash of the source's SHA-256, the normalised parameters and
the engine's name and version, so the same request always maps to the same stored render.
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from tuneton.audio.errors import ParameterError

PITCH_CENTS_MIN = -1200
PITCH_CENTS_MAX = 1200
TEMPO_MIN = 0.5
TEMPO_MAX = 2.0
TEMPO_DECIMALS = 4  # tempo is normalised to 0.01 % steps, far below audibility
ASSET_KEY_VERSION = 1  # bump when the key's layout changes

_SHA256 = re.compile(r"[0-9a-f]{64}")
_E = TypeVar("_E", bound=enum.StrEnum)


class Quality(enum.StrEnum):
    """DSP quality preset: ``preview`` favours latency, ``high`` is the studio render."""

    PREVIEW = "preview"
    HIGH = "high"


class OutputFormat(enum.StrEnum):
    """Delivery format (see docs/dsp.md for why AAC in fMP4 over HLS is the default)."""

    AAC_HLS = "aac-hls"
    MP3 = "mp3"


@dataclass(frozen=True, kw_only=True)
class RenderParams:
    """A validated, normalised render request.

    Parameters
    ----------
    pitch_cents : int
        Pitch shift in cents, ``-1200..1200`` (1 semitone = 100 cents).
    tempo : float
        Playback speed ratio, ``0.5..2.0``; 2.0 plays twice as fast (``t_render = t_original / tempo``).
    formant : bool
        Preserve the spectral envelope (voices keep their timbre) when shifting pitch.
    quality : Quality
        DSP preset.
    output_format : OutputFormat
        Delivery format.
    """

    pitch_cents: int = 0
    tempo: float = 1.0
    formant: bool = False
    quality: Quality = Quality.HIGH
    output_format: OutputFormat = OutputFormat.AAC_HLS

    def __post_init__(self) -> None:
        _check_pitch_cents(self.pitch_cents)
        object.__setattr__(self, "tempo", normalise_tempo(self.tempo))
        if not isinstance(self.formant, bool):
            raise ParameterError("formant", self.formant, "true or false")
        object.__setattr__(self, "quality", _choice("quality", self.quality, Quality))
        object.__setattr__(self, "output_format", _choice("output_format", self.output_format, OutputFormat))

    @property
    def semitones(self) -> float:
        """Pitch shift in (fractional) semitones."""
        return self.pitch_cents / 100.0

    @property
    def pitch_scale(self) -> float:
        """Frequency ratio of the shift, ``2 ** (cents / 1200)``."""
        return float(2.0 ** (self.pitch_cents / 1200.0))

    @property
    def time_ratio(self) -> float:
        """Duration ratio ``render / original`` = ``1 / tempo``."""
        return 1.0 / self.tempo


def semitones_to_cents(semitones: object, *, field: str = "semitones") -> int:
    """Convert a semitone value with at most 1-cent resolution to integer cents.

    Parameters
    ----------
    semitones : float
        Shift in semitones, ``-12..+12``, a multiple of 0.01.
    field : str
        Name reported in the error.

    Returns
    -------
    int
        Cents, ``-1200..1200``.

    Raises
    ------
    ParameterError
        Not a finite number, out of range, or finer than one cent.
    """
    allowed = "a number from -12 to +12 in steps of 0.01 (1 cent)"
    if not _finite_within(semitones, PITCH_CENTS_MIN / 100, PITCH_CENTS_MAX / 100):
        raise ParameterError(field, semitones, allowed)
    assert isinstance(semitones, int | float)
    cents = round(semitones * 100)
    if abs(semitones * 100 - cents) > 1e-6 or not PITCH_CENTS_MIN <= cents <= PITCH_CENTS_MAX:
        raise ParameterError(field, semitones, allowed)
    return int(cents)


def normalise_tempo(tempo: object) -> float:
    """Validate a tempo ratio and round it to ``TEMPO_DECIMALS`` places.

    Raises
    ------
    ParameterError
        Not a finite number or outside ``0.5..2.0``.
    """
    allowed = f"a number from {TEMPO_MIN} to {TEMPO_MAX}"
    if not _finite_within(tempo, TEMPO_MIN, TEMPO_MAX):
        raise ParameterError("tempo", tempo, allowed)
    assert isinstance(tempo, int | float)
    return round(float(tempo), TEMPO_DECIMALS)


def parse_params(raw: Mapping[str, object]) -> RenderParams:
    """Validate a request mapping (JSON body or query) into :class:`RenderParams`.

    Parameters
    ----------
    raw : Mapping[str, object]
        Keys: ``semitones`` (float, 0.01 steps) or ``pitch_cents`` (int), ``tempo``, ``formant``,
        ``quality``, ``format``. Missing keys take the defaults of :class:`RenderParams`.

    Raises
    ------
    ParameterError
        Unknown key, both pitch spellings given, or any value out of range (``field`` names it).
    """
    known = {"semitones", "pitch_cents", "tempo", "formant", "quality", "format"}
    for key in raw:
        if key not in known:
            raise ParameterError(key, raw[key], "not a parameter: expected one of " + ", ".join(sorted(known)))
    if "semitones" in raw and "pitch_cents" in raw:
        raise ParameterError("pitch_cents", raw["pitch_cents"], "omitted when semitones is given")
    cents = raw.get("pitch_cents", 0)
    if "semitones" in raw:
        cents = semitones_to_cents(raw["semitones"])
    return RenderParams(
        pitch_cents=cents,  # type: ignore[arg-type]  # checked in __post_init__
        tempo=raw.get("tempo", 1.0),  # type: ignore[arg-type]
        formant=raw.get("formant", False),  # type: ignore[arg-type]
        quality=raw.get("quality", Quality.HIGH),  # type: ignore[arg-type]
        output_format=raw.get("format", OutputFormat.AAC_HLS),  # type: ignore[arg-type]
    )


def canonical_params(params: RenderParams) -> dict[str, object]:
    """The normalised parameters as the asset key hashes them (strings for floats: no repr drift)."""
    return {
        "pitch_cents": params.pitch_cents,
        "tempo": f"{params.tempo:.{TEMPO_DECIMALS}f}",
        "formant": params.formant,
        "quality": params.quality.value,
        "format": params.output_format.value,
    }


def asset_key(
    *, source_sha256: str, params: RenderParams, engine_name: str, engine_version: str, scope: str | None = None
) -> str:
    """Content address of a render: equal inputs give equal keys, any change gives a new one.

    Parameters
    ----------
    source_sha256 : str
        SHA-256 of the source file's bytes, 64 hex digits (either case).
    params : RenderParams
        Validated parameters.
    engine_name, engine_version : str
        Identify the DSP chain (see ``Engine.name`` / ``Engine.version``), so an engine upgrade
        never serves a stale render.
    scope : str or None
        Who may share the render: ``None`` for everybody (public sources), else a private scope
        (the source track's id), so equal private bytes of two listeners never meet in one render.

    Returns
    -------
    str
        64 lowercase hex digits.
    """
    sha = source_sha256.lower() if isinstance(source_sha256, str) else source_sha256
    if not isinstance(sha, str) or not _SHA256.fullmatch(sha):
        raise ParameterError("source_sha256", source_sha256, "64 hexadecimal digits")
    for field, value in (("engine_name", engine_name), ("engine_version", engine_version)):
        if not isinstance(value, str) or not value:
            raise ParameterError(field, value, "a non-empty string")
    document = {
        "v": ASSET_KEY_VERSION,
        "source": sha,
        "params": canonical_params(params),
        "engine": {"name": engine_name, "version": engine_version},
    }
    if scope is not None:
        document["scope"] = scope
    blob = json.dumps(document, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(blob).hexdigest()


def _finite_within(value: object, low: float, high: float) -> bool:
    """Whether ``value`` is a real number (not a bool) in ``[low, high]``.

    The range is compared before any arithmetic: JSON integers are unbounded (a 400-digit one does not
    fit a float) and ``1e308 * 100`` is infinite, so scaling or converting first would overflow. Python
    compares ``int`` with ``float`` exactly, and NaN with anything as false, so this check cannot raise.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return low <= value <= high


def _check_pitch_cents(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not PITCH_CENTS_MIN <= value <= PITCH_CENTS_MAX:
        raise ParameterError("pitch_cents", value, f"an integer from {PITCH_CENTS_MIN} to {PITCH_CENTS_MAX}")


def _choice(field: str, value: object, kind: type[_E]) -> _E:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    raise ParameterError(field, value, "one of: " + ", ".join(m.value for m in kind))
