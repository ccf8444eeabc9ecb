"""The streaming rendition: AAC-LC in an MP4 (.m4a) with the index up front ("faststart"); MP3 stays MP3.

Why this format (details and sources in docs/catalog.md): AAC-LC in MP4 is the lossy format every
Telegram in-app browser decodes natively — Android System WebView (Chrome, with its proprietary
codecs), iOS WKWebView (AVFoundation's own format), WebView2 on Windows, WKWebView on macOS. The
``ipod`` muxer writes the M4A brand Apple players expect, and ``+faststart`` moves the ``moov`` atom
before the audio, so a player starts and seeks through HTTP Range requests without fetching the end
of the file first. 192 kbit/s stereo (96 mono) with ffmpeg's native encoder and its ``fast`` coder:
``twoloop`` takes 2.4x the CPU (measured on the demo music), and CPU decides how many tracks per
minute a core can ingest; the extra bitrate over the usual 160 kbit/s pays for the simpler coder.

An MP3 upload is not re-encoded: its audio frames are copied into a fresh MP3 without tags. MP3 is
the one format every browser plays (open-source Chromium builds included), its bitrate is bounded
by the format (320 kbit/s), a second lossy generation would only lose quality, and the copy costs
almost no CPU. Dropping the tags also drops embedded art, often megabytes the player never needs.

The output is deterministic (``bitexact``, no metadata, no creation time): the same original always
renders the same bytes, so its content-addressed key is stable and a duplicate ingest stores nothing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tuneton.media.errors import CorruptMedia, MediaToolMissing
from tuneton.media.probe import AudioInfo

NAME = "stream"
CODEC = "aac"
MIME_TYPE = "audio/mp4"
SUFFIX = ".m4a"
STEREO_BITRATE = 192_000
MONO_BITRATE = 96_000
DEMUXERS = {"mp3": "mp3", "aac": "aac", "flac": "flac", "wav": "wav", "aiff": "aiff", "ogg": "ogg", "mp4": "mov"}
MIN_TIMEOUT_S = 60.0


@dataclass(frozen=True, kw_only=True)
class RenditionSpec:
    """How a rendition was encoded: what the catalog records about it."""

    name: str
    codec: str
    bitrate: int
    mime_type: str
    suffix: str
    sample_rate: int
    channels: int
    copy: bool = False  # the audio frames are copied, not re-encoded


def spec_for(info: AudioInfo) -> RenditionSpec:
    """The rendition parameters for a source: MP3 is copied; otherwise AAC-LC, mono stays mono, and rates
    other than 44.1/48 kHz are resampled."""
    if info.container == "mp3" and info.codec == "mp3":
        return RenditionSpec(name=NAME, codec="mp3", bitrate=info.bitrate or 0, mime_type="audio/mpeg", suffix=".mp3",
                             sample_rate=info.sample_rate, channels=info.channels, copy=True)  # fmt: skip
    channels = 1 if info.channels == 1 else 2
    rate = (
        info.sample_rate
        if info.sample_rate in {44_100, 48_000}
        else 44_100
        if info.sample_rate % 11_025 == 0
        else 48_000
    )
    return RenditionSpec(
        name=NAME,
        codec=CODEC,
        bitrate=MONO_BITRATE if channels == 1 else STEREO_BITRATE,
        mime_type=MIME_TYPE,
        suffix=SUFFIX,
        sample_rate=rate,
        channels=channels,
    )


def render_stream(source: Path, target: Path, *, info: AudioInfo, ffmpeg: str = "ffmpeg") -> RenditionSpec:
    """Encode ``source`` (already probed as ``info``) into ``target``; returns what was encoded.

    Raises :class:`CorruptMedia` when ffmpeg cannot decode the audio to the end (or takes longer than
    the track's own duration, at least a minute) and :class:`MediaToolMissing` without ffmpeg.
    """
    if shutil.which(ffmpeg) is None:
        raise MediaToolMissing(ffmpeg)
    spec = spec_for(info)
    demuxer = ["-f", DEMUXERS[info.container]] if info.container in DEMUXERS else []
    args = [
        ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-y", *demuxer, "-i", f"file:{source.resolve()}",
        "-map", "0:a:0", "-vn", "-sn", "-dn", "-map_metadata", "-1", "-map_chapters", "-1",
        *_codec_args(spec), "-fflags", "+bitexact", "-flags:a", "+bitexact", f"file:{target.resolve()}",
    ]  # fmt: skip
    timeout_s = max(MIN_TIMEOUT_S, info.duration_s)
    try:
        done = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=timeout_s, check=False)  # noqa: S603
    except subprocess.TimeoutExpired:
        raise CorruptMedia(f"encoding the stream took longer than {timeout_s:g}s") from None
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        detail = done.stderr.strip().splitlines()[-1][:300] if done.stderr.strip() else f"exit {done.returncode}"
        raise CorruptMedia(
            "the audio cannot be decoded to the end", detail=detail.replace(str(source.resolve()), "input")
        )
    return spec


def _codec_args(spec: RenditionSpec) -> list[str]:
    if spec.copy:  # frames as they are, no ID3 tag; the Xing header is rewritten for the new file
        return ["-c:a", "copy", "-id3v2_version", "0", "-write_id3v1", "0", "-f", "mp3"]
    return ["-ac", str(spec.channels), "-ar", str(spec.sample_rate), "-c:a", "aac", "-aac_coder", "fast",
            "-b:a", str(spec.bitrate), "-movflags", "+faststart", "-f", "ipod"]  # fmt: skip
