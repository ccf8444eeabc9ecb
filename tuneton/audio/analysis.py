"""Track analysis: tempo (BPM), musical key, EBU R128 loudness, and what a render changes.

Tempo: a spectral-flux onset envelope, autocorrelated, weighted by a log-normal prior around
120 BPM (librosa's ``feature.tempo`` method, reimplemented on numpy/scipy: importing librosa compiles
22 numba ufuncs, 25-40 s per fresh environment, for a few lines of maths). Key: a chromagram from a
long-window STFT (semitone bands, frames normalised, like librosa's CQT/CENS chroma) matched against
the Krumhansl-Kessler key profiles (24 rotations, Pearson correlation). Integrated loudness
(ITU-R BS.1770-4 / EBU R128, gated) from pyloudnorm.

A render at ``tempo`` and ``pitch_cents`` plays at ``bpm * tempo`` in the key shifted by the nearest
whole semitones (the rest is reported in cents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tuneton.audio.engines.base import check_audio
from tuneton.audio.errors import AnalysisError, ParameterError
from tuneton.audio.params import RenderParams

EXCERPT_S = 60.0  # seconds of a track's middle that tempo and key are estimated from
PITCH_CLASSES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl & Kessler (1982) probe-tone ratings, tonic first
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])
_SILENCE_RMS = 1e-4
_LOWEST_NOTE, _HIGHEST_NOTE = 40, 100  # MIDI E2 (82 Hz) .. E7 (2.6 kHz): a semitone spans >= 1 bin at 44.1 kHz


@dataclass(frozen=True, kw_only=True)
class Key:
    """A musical key: ``tonic`` pitch class 0..11 (0 = C) and ``mode`` ``"major"``/``"minor"``."""

    tonic: int
    mode: str
    confidence: float = 1.0  # correlation with the profile, -1..1

    def __str__(self) -> str:
        return f"{PITCH_CLASSES[self.tonic]} {self.mode}"


def parse_key(text: str) -> Key:
    """Read a key written as :meth:`Key.__str__` writes it (``"C# minor"``).

    Raises
    ------
    ParameterError
        Not a pitch class followed by ``major`` or ``minor``.
    """
    tonic, _, mode = str(text).strip().partition(" ")
    if tonic not in PITCH_CLASSES or mode not in ("major", "minor"):
        raise ParameterError("key", text, "a pitch class and major/minor, e.g. 'A minor'")
    return Key(tonic=PITCH_CLASSES.index(tonic), mode=mode)


@dataclass(frozen=True, kw_only=True)
class Analysis:
    """What the player shows about a track (or a render of it)."""

    bpm: float
    key: Key
    lufs: float  # integrated loudness, LUFS; -inf for silence
    peak_dbfs: float
    duration_s: float


def estimate_tempo(y: np.ndarray, *, sr: int) -> float:
    """Tempo in beats per minute (30..300).

    Parameters
    ----------
    y : np.ndarray [shape=(channels, frames), dtype=float32]
    sr : int
        Sample rate in Hz.

    Raises
    ------
    AnalysisError
        Silence, shorter than 1 s, or no periodic onsets.
    """
    envelope, fps = _onset_envelope(_mono(y, sr=sr, what="tempo"), sr=sr)
    envelope = envelope - envelope.mean()
    size = 1 << int(np.ceil(np.log2(2 * envelope.size)))
    spectrum = np.fft.rfft(envelope, size)
    autocorr = np.fft.irfft(spectrum * np.conj(spectrum), size)[: envelope.size]
    lags = np.arange(max(1, int(fps * 60 / 300)), min(envelope.size - 1, int(fps * 60 / 30)) + 1)
    if lags.size < 3 or autocorr[0] <= 0:
        raise AnalysisError("no periodic onsets to find a tempo in")
    prior = np.exp(-0.5 * (np.log2(60 * fps / lags) - np.log2(120.0)) ** 2)  # 1-octave spread, like librosa
    score = np.maximum(autocorr[lags], 0) * prior
    i = int(np.argmax(score))
    lag = float(lags[i])
    if 0 < i < lags.size - 1:  # parabolic refinement between frames
        a, b, c = autocorr[lags[i] - 1 : lags[i] + 2]
        if a - 2 * b + c < 0:
            lag += float(0.5 * (a - c) / (a - 2 * b + c))
    return 60.0 * fps / lag


def estimate_key(y: np.ndarray, *, sr: int) -> Key:
    """The best-matching of the 24 major and minor keys (Krumhansl-Kessler profiles on a chromagram).

    The chromagram imitates librosa's CQT/CENS chroma on a plain STFT: power is averaged within each
    semitone band (E2..E7), so every semitone counts once whatever its number of FFT bins, and each
    frame is normalised before averaging, so loud passages do not outvote the rest.
    """
    from scipy.signal import stft

    mono = _mono(y, sr=sr, what="key")
    freqs, _, spec = stft(mono, fs=sr, nperseg=8192, noverlap=8192 - 2048)
    with np.errstate(divide="ignore"):
        notes = np.round(69 + 12 * np.log2(freqs / 440.0))
    band = (notes >= _LOWEST_NOTE) & (notes < _HIGHEST_NOTE)
    notes = notes[band].astype(int)
    counts = np.bincount(notes - _LOWEST_NOTE)
    weights = np.zeros((12, notes.size))
    weights[notes % 12, np.arange(notes.size)] = 1.0 / counts[notes - _LOWEST_NOTE]
    frames = weights @ np.square(np.abs(spec[band]))  # (12 pitch classes, frames), 0 = C
    frames = frames / np.maximum(frames.sum(axis=0, keepdims=True), 1e-20)
    chroma = frames.mean(axis=1)
    if not np.any(chroma > 0):
        raise AnalysisError("no pitched content to find a key in")
    best = max(
        (float(np.corrcoef(chroma, np.roll(profile, tonic))[0, 1]), tonic, mode)
        for mode, profile in (("major", _MAJOR), ("minor", _MINOR))
        for tonic in range(12)
    )
    return Key(tonic=best[1], mode=best[2], confidence=best[0])


def loudness_lufs(y: np.ndarray, *, sr: int) -> float:
    """Integrated loudness (EBU R128 / BS.1770-4, gated) in LUFS; ``-inf`` for silence."""
    import pyloudnorm

    y = check_audio(y, sr=sr)
    if y.shape[1] < round(0.4 * sr):  # one gating block
        raise AnalysisError("loudness needs at least 400 ms of audio")
    if not np.any(y):
        return -math.inf
    return float(pyloudnorm.Meter(sr).integrated_loudness(y.T.astype(np.float64)))


def analyse(y: np.ndarray, *, sr: int, excerpt_s: float | None = EXCERPT_S) -> Analysis:
    """Tempo, key, loudness, peak and duration of a track.

    Tempo and key come from the middle ``excerpt_s`` seconds (None: the whole track), as DJ software
    and librosa users commonly do: the spectral passes cost CPU and memory in proportion to the audio
    they see (a whole 3-minute track took ~2.5 s and ~600 MB at ingest), and the middle of a song
    carries its tempo and key. Loudness and peak are measured on everything (they are cheap and a
    quiet intro must count).
    """
    y = check_audio(y, sr=sr)
    peak = float(np.abs(y).max()) if y.size else 0.0
    middle = _middle(y, frames=None if excerpt_s is None else round(excerpt_s * sr))
    return Analysis(
        bpm=estimate_tempo(middle, sr=sr),
        key=estimate_key(middle, sr=sr),
        lufs=loudness_lufs(y, sr=sr),
        peak_dbfs=20 * math.log10(peak) if peak > 0 else -math.inf,
        duration_s=y.shape[1] / sr,
    )


def shifted_key(key: Key, *, pitch_cents: int) -> tuple[Key, int]:
    """The key of a render shifted by ``pitch_cents``, and the cents it sits off that key.

    Examples
    --------
    >>> k, off = shifted_key(Key(tonic=9, mode="minor"), pitch_cents=300)
    >>> str(k), off
    ('C minor', 0)
    >>> k, off = shifted_key(Key(tonic=0, mode="major"), pitch_cents=-150)
    >>> str(k), off
    ('B major', -50)
    """
    if isinstance(pitch_cents, bool) or not isinstance(pitch_cents, int):
        raise ParameterError("pitch_cents", pitch_cents, "an integer number of cents")
    semitones = math.floor(pitch_cents / 100 + 0.5)  # half a semitone rounds up
    moved = Key(tonic=(key.tonic + semitones) % 12, mode=key.mode, confidence=key.confidence)
    return moved, pitch_cents - 100 * semitones


def shifted_bpm(bpm: float, *, tempo: float) -> float:
    """Tempo of a render at ``tempo`` (``t_render = t_original / tempo``)."""
    return bpm * tempo


def render_analysis(source: Analysis, *, params: RenderParams) -> tuple[Analysis, int]:
    """What a render of an analysed track will be, without analysing the render.

    Returns the predicted :class:`Analysis` (loudness and peak are the source's: the limiter only
    touches overs) and the cents the render sits off its key.
    """
    key, off = shifted_key(source.key, pitch_cents=params.pitch_cents)
    predicted = Analysis(
        bpm=shifted_bpm(source.bpm, tempo=params.tempo),
        key=key,
        lufs=source.lufs,
        peak_dbfs=source.peak_dbfs,
        duration_s=source.duration_s / params.tempo,
    )
    return predicted, off


def _middle(y: np.ndarray, *, frames: int | None) -> np.ndarray:
    if frames is None or y.shape[1] <= frames:
        return y
    start = (y.shape[1] - frames) // 2
    return y[:, start : start + frames]


def _mono(y: np.ndarray, *, sr: int, what: str) -> np.ndarray:
    y = check_audio(y, sr=sr)
    mono: np.ndarray = y.mean(axis=0)
    if mono.size < sr or float(np.sqrt(np.mean(mono.astype(np.float64) ** 2))) < _SILENCE_RMS:
        raise AnalysisError(f"no {what}: the audio is silent or shorter than 1 s")
    return mono


def _onset_envelope(mono: np.ndarray, *, sr: int) -> tuple[np.ndarray, float]:
    """Spectral flux of log magnitudes (hop 512): rises where notes and beats start. Returns (envelope, fps)."""
    from scipy.ndimage import uniform_filter1d
    from scipy.signal import stft

    hop = 512
    _, _, spec = stft(mono, fs=sr, nperseg=2048, noverlap=2048 - hop)
    log_mag = np.log1p(1000.0 * np.abs(spec))
    flux = np.maximum(0.0, np.diff(log_mag, axis=1)).sum(axis=0)
    fps = sr / hop
    local = uniform_filter1d(flux, size=max(1, int(fps)))  # remove the slow loudness trend
    return np.maximum(0.0, flux - local), fps
