"""Reading sources: the only module of :mod:`tuneton.audio` that opens files or runs a decoder.

ffmpeg (Debian package ``ffmpeg``, installed by ``scripts/install-system.sh``) decodes every format a
user may upload and resamples in the same pass; without it, soundfile reads WAV/FLAC/OGG and scipy
resamples.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np

from tuneton.audio.engines.base import SR_MAX, SR_MIN
from tuneton.audio.errors import DecodeError, ParameterError

DEFAULT_SR = 44100
_CHUNK = 1 << 20


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes (64 lowercase hex digits): the source part of the asset key."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise DecodeError(str(path), exc.strerror or str(exc)) from None
    return digest.hexdigest()


def decode(path: str | Path, *, sr: int = DEFAULT_SR, channels: int = 2) -> np.ndarray:
    """Decode an audio file to float32 at ``sr`` with ``channels`` channels.

    Parameters
    ----------
    path : str or Path
        Any format ffmpeg reads (MP3, AAC/M4A, FLAC, WAV, Ogg/Opus, ...).
    sr : int
        Output sample rate in Hz.
    channels : int, 1 or 2
        Output channels (mono sources are duplicated, multichannel ones downmixed).

    Returns
    -------
    np.ndarray [shape=(channels, frames), dtype=float32]

    Raises
    ------
    DecodeError
        Missing file, unsupported or corrupt data, or no audio stream.
    """
    _check(sr=sr, channels=channels)
    if not Path(path).is_file():
        raise DecodeError(str(path), "no such file")
    if ffmpeg := shutil.which("ffmpeg"):
        return _ffmpeg(ffmpeg, ["-i", str(path)], None, source=str(path), sr=sr, channels=channels)
    return _soundfile(path, sr=sr, channels=channels)


def decode_bytes(data: bytes, *, sr: int = DEFAULT_SR, channels: int = 2) -> np.ndarray:
    """Like :func:`decode`, for an upload held in memory (piped to ffmpeg, never written to disk)."""
    _check(sr=sr, channels=channels)
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise DecodeError("<bytes>", "ffmpeg is not installed (scripts/install-system.sh)")
    return _ffmpeg(ffmpeg, ["-i", "pipe:0"], data, source="<bytes>", sr=sr, channels=channels)


def _ffmpeg(ffmpeg: str, inputs: list[str], data: bytes | None, *, source: str, sr: int, channels: int) -> np.ndarray:
    command = [
        ffmpeg,
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        *inputs,
        "-map",
        "0:a:0",
        "-vn",
        "-ac",
        str(channels),
        "-ar",
        str(sr),
        "-f",
        "f32le",
        "pipe:1",
    ]
    if data is not None:
        command.remove("-nostdin")
    result = subprocess.run(command, input=data, capture_output=True, check=False)  # noqa: S603 - fixed argv
    if result.returncode != 0 or not result.stdout:
        reason = result.stderr.decode(errors="replace").strip().splitlines()[-3:] or ["no audio decoded"]
        raise DecodeError(source, " | ".join(reason))
    pcm = np.frombuffer(result.stdout, dtype="<f4")
    return np.ascontiguousarray(pcm[: pcm.size - pcm.size % channels].reshape(-1, channels).T)


def _soundfile(path: str | Path, *, sr: int, channels: int) -> np.ndarray:
    import soundfile
    from scipy.signal import resample_poly

    try:
        data, source_sr = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (soundfile.LibsndfileError, RuntimeError) as exc:
        raise DecodeError(str(path), str(exc)) from None
    y = data.T
    if y.shape[0] != channels:
        y = np.repeat(y.mean(axis=0, keepdims=True), channels, axis=0)
    if source_sr != sr:
        gcd = np.gcd(int(source_sr), sr)
        y = resample_poly(y, sr // gcd, int(source_sr) // gcd, axis=1)
    return np.ascontiguousarray(y, dtype=np.float32)


def _check(*, sr: int, channels: int) -> None:
    if isinstance(sr, bool) or not isinstance(sr, int) or not SR_MIN <= sr <= SR_MAX:
        raise ParameterError("sr", sr, f"an integer from {SR_MIN} to {SR_MAX} Hz")
    if channels not in (1, 2) or isinstance(channels, bool):
        raise ParameterError("channels", channels, "1 or 2")
