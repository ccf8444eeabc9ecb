"""Real mixes (PyPI ``immich-memories-music``: 28 generated tracks, MIT) through analysis and renders.

Their BPM/key labels are what the generator was asked for, not verified annotations
(shared/notes/test-audio.md), so the analysis thresholds guard against regressions; they do not
claim accuracy. On this set librosa 0.11 agreed on 15/28 tempi (octave errors allowed) and on 17/28
(CQT chroma) or 19/28 (CENS) keys with the same profiles.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from pathlib import Path

import numpy as np
import pytest

from tuneton.audio import RenderParams
from tuneton.audio.analysis import estimate_key, estimate_tempo
from tuneton.audio.decode import decode
from tuneton.audio.dynamics import DEFAULT_CEILING_DB
from tuneton.audio.render import render

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("immich_memories_music") is None,
        reason="pip install immich-memories-music (the dev extra) for real-music tests",
    ),
]
SR = 44100


def labelled_tracks() -> list[tuple[Path, int, str]]:
    import immich_memories_music

    root = Path(immich_memories_music.__file__).parent / "tracks"
    text = importlib.metadata.distribution("immich-memories-music").read_text("licenses/LICENSE-MUSIC") or ""
    labels = {m[1]: (int(m[2]), m[3]) for m in re.finditer(r"^\s+(\S+\.opus)\s+(\d+) bpm\s+(\S+ \S+)", text, re.M)}
    return [(path, *labels[path.name]) for path in sorted(root.rglob("*.opus")) if path.name in labels]


def test_analysis_agrees_with_the_labels() -> None:
    tracks = labelled_tracks()
    assert len(tracks) == 28
    tempo_hits = key_hits = 0
    for path, bpm, key in tracks:
        y = decode(path, sr=SR)
        ratio = estimate_tempo(y, sr=SR) / bpm
        tempo_hits += min(abs(ratio - 1), abs(ratio - 2), abs(ratio - 0.5)) < 0.03
        key_hits += str(estimate_key(y, sr=SR)) == key
    assert tempo_hits >= 19  # measured 21/28
    assert key_hits >= 16  # measured 18/28


@pytest.mark.parametrize("name", ["happy_acoustic_s411.opus", "energetic_electronic_s411.opus"])
def test_real_renders_stay_below_full_scale(name: str) -> None:
    path = next(p for p, _, _ in labelled_tracks() if p.name == name)
    y = decode(path, sr=SR)
    out = render(y, sr=SR, params=RenderParams(pitch_cents=300, tempo=1.1))
    assert out.shape == (2, round(y.shape[1] / 1.1))
    # the raw +3 semitone output of these mixes reaches +2.2 dBFS; the limiter holds the ceiling
    assert 20 * np.log10(np.abs(out).max()) <= DEFAULT_CEILING_DB + 1e-4
    assert np.isfinite(out).all()
