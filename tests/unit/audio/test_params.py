"""Request validation, normalisation and the asset key (pure functions)."""

from __future__ import annotations

import dataclasses
import math
from contextlib import AbstractContextManager, nullcontext

import pytest

from tuneton.audio import AudioError, OutputFormat, ParameterError, Quality, RenderParams, asset_key, parse_params
from tuneton.audio.params import semitones_to_cents

SHA = "ab" * 32
ok = nullcontext()


def rejects(field: str) -> AbstractContextManager[object]:
    return pytest.raises(ParameterError, match=rf"^{field}=")


@pytest.mark.parametrize(
    ("raw", "expect", "outcome"),
    [
        ({}, RenderParams(), ok),
        ({"semitones": 3}, RenderParams(pitch_cents=300), ok),
        ({"semitones": -12}, RenderParams(pitch_cents=-1200), ok),
        ({"semitones": 12.0}, RenderParams(pitch_cents=1200), ok),
        ({"semitones": 0.01}, RenderParams(pitch_cents=1), ok),
        ({"semitones": -3.37}, RenderParams(pitch_cents=-337), ok),
        ({"pitch_cents": 701}, RenderParams(pitch_cents=701), ok),
        ({"tempo": 0.5}, RenderParams(tempo=0.5), ok),
        ({"tempo": 2}, RenderParams(tempo=2.0), ok),
        ({"tempo": 1.000000001}, RenderParams(tempo=1.0), ok),
        (
            {"formant": True, "quality": "preview", "format": "mp3"},
            RenderParams(formant=True, quality=Quality.PREVIEW, output_format=OutputFormat.MP3),
            ok,
        ),
        ({"semitones": 12.01}, None, rejects("semitones")),
        ({"semitones": -12.5}, None, rejects("semitones")),
        ({"semitones": 0.005}, None, rejects("semitones")),
        ({"semitones": math.nan}, None, rejects("semitones")),
        ({"semitones": "3"}, None, rejects("semitones")),
        ({"semitones": True}, None, rejects("semitones")),
        ({"pitch_cents": 1201}, None, rejects("pitch_cents")),
        ({"pitch_cents": 1.5}, None, rejects("pitch_cents")),
        ({"semitones": 1, "pitch_cents": 100}, None, rejects("pitch_cents")),
        ({"tempo": 0.49}, None, rejects("tempo")),
        ({"tempo": 2.0001}, None, rejects("tempo")),
        ({"tempo": 0}, None, rejects("tempo")),
        ({"tempo": math.inf}, None, rejects("tempo")),
        ({"tempo": None}, None, rejects("tempo")),
        ({"formant": "yes"}, None, rejects("formant")),
        ({"quality": "ultra"}, None, rejects("quality")),
        ({"format": "flac"}, None, rejects("output_format")),
        ({"speed": 1.2}, None, rejects("speed")),
        # numbers that overflow when scaled or converted to float (issue 9: these were 500s)
        ({"semitones": 1e308}, None, rejects("semitones")),
        ({"semitones": -1e308}, None, rejects("semitones")),
        ({"semitones": 10**400}, None, rejects("semitones")),
        ({"tempo": 10**400}, None, rejects("tempo")),
        ({"tempo": -(10**400)}, None, rejects("tempo")),
        ({"tempo": 1e308}, None, rejects("tempo")),
        ({"pitch_cents": 10**400}, None, rejects("pitch_cents")),
    ],
)
def test_parse_params(
    raw: dict[str, object], expect: RenderParams | None, outcome: AbstractContextManager[object]
) -> None:
    with outcome:
        assert parse_params(raw) == expect


def test_error_names_field_and_range() -> None:
    with pytest.raises(ParameterError) as info:
        parse_params({"tempo": 3.0})
    err = info.value
    assert (err.field, err.value, err.allowed) == ("tempo", 3.0, "a number from 0.5 to 2.0")
    assert isinstance(err, AudioError)
    assert isinstance(err, ValueError)


def test_error_message_shortens_huge_values() -> None:
    with pytest.raises(ParameterError) as info:
        parse_params({"semitones": 10**400})
    assert info.value.value == 10**400  # the data stays exact for the caller ...
    assert len(str(info.value)) < 200  # ... the message an API client sees does not carry 400 digits


def test_derived_ratios() -> None:
    p = RenderParams(pitch_cents=300, tempo=1.25)
    assert p.semitones == 3.0
    assert p.pitch_scale == pytest.approx(2**0.25)
    assert p.time_ratio == pytest.approx(0.8)


@pytest.mark.parametrize(("value", "cents"), [(0.07, 7), (-0.29, -29), (11.99, 1199), (4.1, 410)])
def test_semitones_float_noise_is_tolerated(value: float, cents: int) -> None:
    assert semitones_to_cents(value) == cents


def test_asset_key_is_stable_hex() -> None:
    key = asset_key(source_sha256=SHA, params=RenderParams(), engine_name="rb", engine_version="1")
    assert key == asset_key(source_sha256=SHA.upper(), params=RenderParams(), engine_name="rb", engine_version="1")
    assert len(key) == 64
    assert int(key, 16) >= 0
    assert key == PINNED_KEY


# Pinned: the key layout must not drift silently (stored renders would be orphaned); bump ASSET_KEY_VERSION.
PINNED_KEY = "ae20ffa6b733095d66e86681ecc7cf0a98a0cd86a2c4a2a9b3f6de9f49bcda08"


@pytest.mark.parametrize(
    "change",
    [
        {"source_sha256": "cd" * 32},
        {"params": RenderParams(pitch_cents=1)},
        {"params": RenderParams(tempo=1.0001)},
        {"params": RenderParams(formant=True)},
        {"params": RenderParams(quality=Quality.PREVIEW)},
        {"params": RenderParams(output_format=OutputFormat.MP3)},
        {"engine_name": "signalsmith"},
        {"engine_version": "2"},
        {"scope": "track-1"},  # a private track's renders are its own
    ],
)
def test_asset_key_changes_with_every_input(change: dict[str, object]) -> None:
    base: dict[str, object] = {
        "source_sha256": SHA,
        "params": RenderParams(),
        "engine_name": "rb",
        "engine_version": "1",
    }
    assert asset_key(**{**base, **change}) != asset_key(**base)  # type: ignore[arg-type]


def test_private_scopes_never_share_a_key() -> None:
    def key(scope: str | None) -> str:
        return asset_key(source_sha256=SHA, params=RenderParams(), engine_name="rb", engine_version="1", scope=scope)

    assert len({key(None), key("track-a"), key("track-b")}) == 3


def test_asset_key_ignores_float_noise() -> None:
    a = asset_key(source_sha256=SHA, params=RenderParams(tempo=1.1), engine_name="rb", engine_version="1")
    b = asset_key(source_sha256=SHA, params=RenderParams(tempo=1.1000000004), engine_name="rb", engine_version="1")
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"source_sha256": "xyz"}, "source_sha256"),
        ({"source_sha256": "ab" * 31}, "source_sha256"),
        ({"engine_name": ""}, "engine_name"),
        ({"engine_version": ""}, "engine_version"),
    ],
)
def test_asset_key_rejects_bad_inputs(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "source_sha256": SHA,
        "params": RenderParams(),
        "engine_name": "rb",
        "engine_version": "1",
    }
    with rejects(field):
        asset_key(**{**base, **kwargs})  # type: ignore[arg-type]


def test_params_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RenderParams().tempo = 2.0  # type: ignore[misc]
