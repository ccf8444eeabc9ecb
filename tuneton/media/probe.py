"""What an audio file holds: container, codec, duration, rate, channels, bitrate — via ffprobe's JSON.

The container comes from :mod:`tuneton.media.sniff` and is forced on ffprobe, so a PNG named
``song.mp3`` never reaches a demuxer. We then accept only the (container, codec) pairs the rest of the
pipeline is tested with, and check that the file holds the audio its headers announce: an upload
interrupted half way is refused as ``truncated`` instead of becoming a track that stops at 1:37.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tuneton.media.errors import (
    CorruptMedia,
    MediaToolMissing,
    NotAudio,
    TruncatedMedia,
    UnrecognisedFormat,
    UnsupportedCodec,
    UnsupportedContainer,
)
from tuneton.media.framing import adts_frame_length, mpeg_frame_length, ogg_ending
from tuneton.media.sniff import Sniffed, sniff_file

PCM = "pcm_"  # any PCM flavour (s16le, s24le, f32le, s16be, ...) in WAV/AIFF
SUPPORTED: dict[str, frozenset[str]] = {
    "mp3": frozenset({"mp3"}),
    "aac": frozenset({"aac"}),
    "flac": frozenset({"flac"}),
    "wav": frozenset({PCM}),
    "aiff": frozenset({PCM}),
    "ogg": frozenset({"vorbis", "opus", "flac"}),
    "mp4": frozenset({"aac", "alac"}),
}
MIME_TYPES = {
    "mp3": "audio/mpeg",
    "aac": "audio/aac",
    "flac": "audio/flac",
    "wav": "audio/wav",
    "aiff": "audio/aiff",
    "ogg": "audio/ogg",
    "mp4": "audio/mp4",
}
# ffprobe format_name -> our container, for files whose container only ffprobe could tell.
_FORMATS = {"mp3": "mp3", "aac": "aac", "flac": "flac", "wav": "wav", "aiff": "aiff", "ogg": "ogg",
            "mov,mp4,m4a,3gp,3g2,mj2": "mp4"}  # fmt: skip
MIN_PROBE_SCORE = 25  # ffmpeg's AVPROBE_SCORE_MAX / 4: below it ffprobe itself calls the guess a misdetection
TRUNCATION_SLACK_S = 0.5  # encoder delay/padding and container rounding stay well below this
TRUNCATION_SLACK_RATIO = 0.01
# Containers whose "declared" duration is ffprobe's estimate from the bitrate, not a header field: an
# intact ADTS file was refused as truncated (estimate 33.4 s, packets 32.3 s). Their frames are checked.
_ESTIMATED_DURATION = frozenset({"aac"})
_FRAME_LENGTH = {"mp3": mpeg_frame_length, "aac": adts_frame_length}


@dataclass(frozen=True, kw_only=True)
class AudioInfo:
    """The facts about an accepted audio file that the catalog records and the player needs."""

    container: str  # mp3 | aac | flac | wav | aiff | ogg | mp4
    codec: str  # ffmpeg codec name: mp3, aac, alac, flac, vorbis, opus, pcm_s16le, ...
    duration_s: float
    sample_rate: int
    channels: int
    bitrate: int | None  # overall bits per second, when the container knows it
    size_bytes: int
    mime_type: str


def probe(path: Path, *, ffprobe: str = "ffprobe", timeout_s: float = 60.0) -> AudioInfo:
    """Probe ``path`` (a local file) or raise the :class:`~tuneton.media.errors.MediaError` saying why not.

    Raises :class:`MediaToolMissing` when ffprobe is not installed (an operator problem, not a 4xx).
    """
    sniffed = sniff_file(path)
    size = path.stat().st_size
    with _probe_target(path, sniffed) as target:
        report = _ffprobe_json(ffprobe, target, sniffed.demuxer, timeout_s)
        container = _container(report, sniffed)
        stream = _audio_stream(report, container)
        codec = str(stream["codec_name"])
        duration = _duration(report, stream)
        if container == "wav":
            _check_wav_complete(path, size)
        else:
            declared = None if container in _ESTIMATED_DURATION else duration
            last = _check_packets(ffprobe, target, sniffed.demuxer, int(stream["index"]), declared, timeout_s)
            _check_last_frame(path, size, container, last)
    fmt = report.get("format", {})
    return AudioInfo(
        container=container,
        codec=codec,
        duration_s=duration,
        sample_rate=int(stream.get("sample_rate") or 0),
        channels=int(stream.get("channels") or 0),
        bitrate=_int_or_none(fmt.get("bit_rate")) or _int_or_none(stream.get("bit_rate")),
        size_bytes=size,
        mime_type=MIME_TYPES[container],
    )


@contextmanager
def _probe_target(path: Path, sniffed: Sniffed) -> Iterator[str]:
    """The URL ffprobe opens: ``file:`` (no protocol tricks), under a neutral name when not forced."""
    if sniffed.demuxer is not None:
        yield f"file:{path.resolve()}"
        return
    with tempfile.TemporaryDirectory(prefix="tuneton-probe-") as tmp:
        neutral = Path(tmp) / "input"  # no extension: ffprobe's guess rests on content alone
        neutral.symlink_to(path.resolve())
        yield f"file:{neutral}"


def _run(ffprobe: str, args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    if shutil.which(ffprobe) is None:
        raise MediaToolMissing(ffprobe)
    try:
        return subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [ffprobe, "-hide_banner", "-v", "error", *args],
            capture_output=True, text=True, errors="replace", timeout=timeout_s, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise CorruptMedia(f"probing took longer than {timeout_s:g}s") from None


def _ffprobe_json(ffprobe: str, target: str, demuxer: str | None, timeout_s: float) -> dict[str, Any]:
    forced = ["-f", demuxer] if demuxer else []
    done = _run(ffprobe, [*forced, "-print_format", "json", "-show_format", "-show_streams", "-i", target], timeout_s)
    # ffprobe names the input in its messages: report them without our temp paths.
    message = done.stderr.strip().splitlines()[-1].replace(target, "input") if done.stderr.strip() else ""
    if done.returncode != 0:
        if "moov atom not found" in done.stderr or "End of file" in done.stderr:
            raise TruncatedMedia("the file ends before its headers do", detail=message)
        if demuxer is None:
            raise UnrecognisedFormat("the file is in no format we recognise", detail=message)
        raise CorruptMedia(f"the file looks like {demuxer} but cannot be read as such", detail=message)
    report: dict[str, Any] = json.loads(done.stdout or "{}")
    return report


def _container(report: dict[str, Any], sniffed: Sniffed) -> str:
    if sniffed.container is not None:
        return sniffed.container
    fmt = report.get("format", {})
    name = str(fmt.get("format_name", ""))
    if int(fmt.get("probe_score") or 0) < MIN_PROBE_SCORE:
        raise UnrecognisedFormat("the file is in no format we recognise", detected=name or "unknown")
    if name not in _FORMATS:
        raise UnsupportedContainer(f"{name} files are not supported", container=name)
    return _FORMATS[name]


def _audio_stream(report: dict[str, Any], container: str) -> dict[str, Any]:
    streams: list[dict[str, Any]] = report.get("streams", [])
    video = [s for s in streams if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")]
    if video:
        raise UnsupportedContainer("files with a video track are not supported", container=container)
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    if not audio:
        raise NotAudio("the file holds no audio stream", detected=container)
    stream = audio[0]
    codec = str(stream.get("codec_name", "unknown"))
    allowed = SUPPORTED[container]
    if codec not in allowed and not (PCM in allowed and codec.startswith(PCM)):
        raise UnsupportedCodec(f"{codec} audio in {container} is not supported", codec=codec, container=container)
    if not int(stream.get("sample_rate") or 0) or not int(stream.get("channels") or 0):
        raise CorruptMedia("the audio stream has no sample rate or channel count", codec=codec)
    return stream


def _duration(report: dict[str, Any], stream: dict[str, Any]) -> float:
    for value in (report.get("format", {}).get("duration"), stream.get("duration")):
        seconds = _float_or_none(value)
        if seconds is not None and seconds > 0:
            return seconds
    raise CorruptMedia("the file has no measurable duration")


def _check_packets(
    ffprobe: str, target: str, demuxer: str | None, index: int, declared_s: float | None, timeout_s: float
) -> int | None:
    """Demux (no decoding: fast) every packet and compare where the audio really ends with the headers.

    Returns the byte position of the last packet (None when the demuxer does not tell).
    """
    forced = ["-f", demuxer] if demuxer else []
    entries = ["-select_streams", str(index), "-show_entries", "packet=pts_time,duration_time,pos"]
    done = _run(ffprobe, [*forced, *entries, "-of", "compact=p=0", "-i", target], timeout_s)
    end, last_pos = 0.0, None
    for line in done.stdout.splitlines():
        fields = dict(field.partition("=")[::2] for field in line.split("|"))
        pts, dur = _float_or_none(fields.get("pts_time")), _float_or_none(fields.get("duration_time"))
        if pts is not None:
            end = max(end, pts + (dur or 0.0))
        last_pos = _int_or_none(fields.get("pos")) if fields.get("pos") not in (None, "N/A") else last_pos
    if end <= 0:
        raise CorruptMedia("the file holds no audio frames")
    if declared_s is not None and end < declared_s - max(TRUNCATION_SLACK_S, declared_s * TRUNCATION_SLACK_RATIO):
        raise TruncatedMedia(
            f"the headers announce {declared_s:.1f}s of audio but the file ends at {end:.1f}s",
            declared_s=round(declared_s, 3),
            actual_s=round(end, 3),
        )
    return last_pos


def _check_last_frame(path: Path, size: int, container: str, last_pos: int | None) -> None:
    """Formats without a declared length: the last Ogg page, MP3 frame or ADTS frame must be whole."""
    with path.open("rb") as fh:
        if container == "ogg":
            ending = ogg_ending(fh, size)
            if not ending.last_page_whole:
                raise TruncatedMedia(
                    "the file ends inside an Ogg page", whole_bytes=ending.whole_bytes, actual_bytes=size
                )
            if not ending.ends_stream:
                raise TruncatedMedia("the Ogg stream has no end-of-stream page: the file was cut", pages=ending.pages)
            return
        frame_length = _FRAME_LENGTH.get(container)
        if frame_length is None or last_pos is None:
            return
        fh.seek(last_pos)
        header = fh.read(8)
        length = frame_length(header)
        if len(header) < 4 or (length is not None and last_pos + length > size):
            raise TruncatedMedia(
                f"the file ends inside its last {container.upper()} frame",
                frame_bytes=length,
                actual_bytes=size - last_pos,
            )


def _check_wav_complete(path: Path, size: int) -> None:
    """RIFF knows its data size; ffprobe silently re-estimates the duration of a cut WAV, so look ourselves."""
    with path.open("rb") as fh:
        if fh.read(4) != b"RIFF":
            return  # RF64 keeps its sizes in a ds64 chunk; rare for uploads, ffprobe's reading stands
        fh.seek(12)
        for _ in range(64):
            header = fh.read(8)
            if len(header) < 8:
                raise TruncatedMedia("the WAV file ends before its audio data starts")
            chunk, length = header[:4], int.from_bytes(header[4:], "little")
            if chunk == b"data":
                if length not in (0, 0xFFFFFFFF) and fh.tell() + length > size:
                    raise TruncatedMedia(
                        f"the WAV header announces {length} bytes of audio but only {size - fh.tell()} follow",
                        declared_bytes=length,
                        actual_bytes=size - fh.tell(),
                    )
                return
            fh.seek(length + (length & 1), 1)  # chunks are word aligned


def _float_or_none(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _int_or_none(value: object) -> int | None:
    number = _float_or_none(value)
    return int(number) if number is not None and number > 0 else None
