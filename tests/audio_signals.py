"""Synthetic test signals with known pitch and timing, and the measurements the audio tests assert on.

Nothing here reads files: every signal is made in memory (STYLE.md habit 15, librosa's ``chirp`` fixtures).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt, stft

SR = 44100


def harmonic_tone(
    f0: float, seconds: float, *, sr: int = SR, harmonics: int = 5, level: float = 0.3, channels: int = 2
) -> np.ndarray:
    """A steady tone with ``harmonics`` partials at 1/k amplitude; shape (channels, frames), float32."""
    t = np.arange(round(seconds * sr)) / sr
    mono = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, harmonics + 1))
    mono = level * mono / np.abs(mono).max()
    return np.tile(mono, (channels, 1)).astype(np.float32)


def click_track(
    seconds: float, *, bpm: float = 120.0, sr: int = SR, pad_f0: float | None = 220.0, channels: int = 2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Noise-burst clicks (5 ms, decaying) on every beat over an optional soft pad.

    Returns
    -------
    y : np.ndarray [shape=(channels, frames), dtype=float32]
    beats : np.ndarray [shape=(n,)]
        Click start times in seconds.
    """
    rng = np.random.default_rng(seed)
    frames = round(seconds * sr)
    y = np.zeros((channels, frames))
    if pad_f0:
        y += harmonic_tone(pad_f0, seconds, sr=sr, level=0.1, channels=channels)
    beats = np.arange(0.25, seconds - 0.25, 60.0 / bpm)
    burst = round(0.005 * sr)
    shape = np.exp(-np.arange(burst) / (burst / 4))
    for beat in beats:
        i = round(beat * sr)
        y[:, i : i + burst] += 0.6 * rng.standard_normal(burst) * shape
    y *= 0.9 / max(0.9, float(np.abs(y).max()))  # keep it below full scale
    return y.astype(np.float32), beats


def groove(seconds: float, *, bpm: float = 120.0, triad_hz: tuple[float, ...] = (220.0, 261.63, 329.63)) -> np.ndarray:
    """Clicks at ``bpm`` over a sustained triad (default A minor: A3 C4 E4); shape (2, frames), float32.

    A signal whose tempo and key are known, for the analysis at ingest.
    """
    clicks, _ = click_track(seconds, bpm=bpm, pad_f0=None)
    y = clicks + sum(harmonic_tone(f0, seconds, level=0.1) for f0 in triad_hz)
    return (0.8 * y / np.abs(y).max()).astype(np.float32)


def partial_cents(x: np.ndarray, *, sr: int, expected_hz: float) -> float:
    """Cents between ``expected_hz`` and the strongest peak within +-10 % of it (Hann, 8x zero-pad, parabolic)."""
    x = x - x.mean()
    size = 8 * len(x)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)), size))
    freqs = np.fft.rfftfreq(size, 1 / sr)
    band = np.flatnonzero((freqs > expected_hz * 0.9) & (freqs < expected_hz * 1.1))
    i = band[np.argmax(spectrum[band])]
    a, b, c = np.log(spectrum[i - 1 : i + 2] + 1e-30)
    peak = i + 0.5 * (a - c) / (a - 2 * b + c)
    return float(1200 * np.log2(peak * sr / size / expected_hz))


def harmonic_cents(x: np.ndarray, *, sr: int, f0: float, harmonics: tuple[int, ...] = (1, 2, 3)) -> list[float]:
    """Per-harmonic pitch error in cents of a tone expected at ``f0`` (mono ``x``)."""
    return [partial_cents(x, sr=sr, expected_hz=k * f0) for k in harmonics]


def attack_times(x: np.ndarray, *, sr: int, near: np.ndarray, window_s: float = 0.05) -> np.ndarray:
    """Attack time (s) of the click nearest each time in ``near``: where the >2 kHz envelope reaches 50 %."""
    sos = butter(4, 2000, btype="highpass", fs=sr, output="sos")
    env = np.abs(sosfilt(sos, x.astype(np.float64)))
    found = []
    for t in near:
        lo, hi = max(0, round((t - window_s) * sr)), min(len(env), round((t + window_s) * sr))
        segment = env[lo:hi]
        found.append((lo + int(np.argmax(segment >= 0.5 * segment.max()))) / sr)
    return np.array(found)


def max_step(x: np.ndarray) -> float:
    """Largest sample-to-sample change of any channel."""
    return float(np.abs(np.diff(x, axis=-1)).max())


def partial_envelope_db(x: np.ndarray, *, sr: int, hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Level (dB re its median) over time of the partial at ``hz`` in mono ``x``: (times s, levels dB)."""
    freqs, times, spec = stft(x, fs=sr, nperseg=4096, noverlap=4096 - 512)
    k = int(np.argmin(np.abs(freqs - hz)))
    env = np.abs(spec[k - 1 : k + 2]).max(axis=0)
    inner = env[8:-8]
    return times, 20 * np.log10(np.maximum(env, 1e-12) / np.median(inner))
