"""Encoding renders for delivery, with one continuous ffmpeg encoder per render.

* ``aac-hls``: AAC-LC in fragmented MP4, an HLS ``EVENT`` playlist that grows segment by segment
  (``#EXT-X-ENDLIST`` once complete). One encoder for the whole render means one priming delay at the
  start and none at segment joins, so playback is gapless.
* ``mp3``: one MP3 stream written progressively (no Xing header), servable as a growing HTTP body.

Segments are written to temporary names and renamed (``temp_file``), so a reader never sees half a file.
The choice of formats is argued in docs/dsp.md.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

import numpy as np

from tuneton.audio.errors import EncodeError
from tuneton.audio.hls import EventPlaylist
from tuneton.audio.params import OutputFormat, Quality

PLAYLIST = "playlist.m3u8"
WINDOW = "window.m3u8"  # ffmpeg's sliding window; PLAYLIST is assembled from it (tuneton.audio.hls)
WRITE_PIECE_S = 0.25  # the window must not slide past unseen segments between two reads
PRIMING_FRAMES = {OutputFormat.AAC_HLS: 1024, OutputFormat.MP3: 1105}  # encoder delay (AAC-LC; LAME 576 + 529)
MP3_FILE = "render.mp3"
BITRATES = {  # kbit/s per (format, quality): AAC-LC 160k is transparent for most listeners
    (OutputFormat.AAC_HLS, Quality.HIGH): 160,
    (OutputFormat.AAC_HLS, Quality.PREVIEW): 96,
    (OutputFormat.MP3, Quality.HIGH): 192,
    (OutputFormat.MP3, Quality.PREVIEW): 128,
}


class StreamEncoder:
    """Feed PCM blocks as they are rendered; encoded output appears in ``out_dir`` as it is ready.

    Parameters
    ----------
    out_dir : Path
        Directory for the playlist and segments (``aac-hls``) or the MP3 file; created if missing.
    sr : int
        Sample rate in Hz of the blocks.
    channels : int
        Channel count of the blocks.
    output_format : OutputFormat
        ``aac-hls`` or ``mp3``.
    quality : Quality
        Selects the bitrate (``BITRATES``).
    first_segment_s, segment_s : float
        HLS segment durations (match :func:`tuneton.audio.render.iter_segments`).
    first_segments : int
        How many segments are cut at ``first_segment_s`` (ffmpeg's window size, see
        :mod:`tuneton.audio.hls`); ``first_segments * first_segment_s`` should be >= ~2 s.

    Examples
    --------
    >>> with StreamEncoder(out, sr=44100, channels=2, output_format=OutputFormat.AAC_HLS) as enc:  # doctest: +SKIP
    ...     for segment in iter_segments(y, sr=44100, params=params):
    ...         enc.write(segment.audio)
    """

    def __init__(
        self,
        out_dir: Path,
        *,
        sr: int,
        channels: int,
        output_format: OutputFormat,
        quality: Quality = Quality.HIGH,
        first_segment_s: float = 1.0,
        segment_s: float = 4.0,
        first_segments: int = 1,
    ) -> None:
        ffmpeg = shutil.which("ffmpeg")
        if ffmpeg is None:
            raise EncodeError(str(out_dir), "ffmpeg is not installed (scripts/install-system.sh)")
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.output_format = OutputFormat(output_format)
        self._channels = channels
        self._sr = sr
        bitrate = f"{BITRATES[(self.output_format, Quality(quality))]}k"
        # raw PCM needs no probing; the default analysis window only delays the first segment
        pcm_in = [
            "-probesize",
            "32",
            "-analyzeduration",
            "0",
            "-f",
            "f32le",
            "-ar",
            str(sr),
            "-ac",
            str(channels),
            "-i",
            "pipe:0",
        ]
        if self.output_format is OutputFormat.AAC_HLS:
            out = [
                "-c:a",
                "aac",
                "-b:a",
                bitrate,
                "-f",
                "hls",
                "-hls_time",
                str(segment_s),
                "-hls_init_time",
                str(first_segment_s),
                "-hls_list_size",  # a window of this many: they are cut at hls_init_time, later ones at hls_time
                str(first_segments),
                "-hls_segment_type",
                "fmp4",
                "-hls_fmp4_init_filename",
                "init.mp4",
                "-hls_segment_filename",
                str(self.out_dir / "seg_%05d.m4s"),
                "-hls_segment_options",
                "use_editlist=1",  # signal the encoder priming (elst) ...
                "-avoid_negative_ts",  # ... which needs the priming's negative timestamps passed to the fMP4
                "disabled",  # muxer: shifted to 0 by the HLS muxer, the edit list said media_time 0
                "-hls_flags",
                "independent_segments+temp_file",
                str(self.out_dir / WINDOW),
            ]
        else:
            out = ["-c:a", "libmp3lame", "-b:a", bitrate, "-write_xing", "0", "-f", "mp3", str(self.out_dir / MP3_FILE)]
        self._playlist = EventPlaylist(map_uri="init.mp4", target_duration_s=max(first_segment_s, segment_s))
        self._window = ""
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self._process = subprocess.Popen(  # noqa: S603 - fixed argv, paths are ours
            [ffmpeg, "-hide_banner", "-v", "error", "-y", *pcm_in, *out],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )

    @property
    def priming_s(self) -> float:
        """Encoder delay in seconds. The fMP4 edit list tells compliant players (AVFoundation, MSE) to skip it;
        a player that ignores edit lists (or any MP3 player here: no Xing/LAME tag on a growing file)
        hears everything this much late, constantly: add it when mapping positions."""
        return PRIMING_FRAMES[self.output_format] / self._sr

    @property
    def entry(self) -> Path:
        """What a player opens: the playlist or the MP3 file."""
        return self.out_dir / (PLAYLIST if self.output_format is OutputFormat.AAC_HLS else MP3_FILE)

    def write(self, block: np.ndarray) -> None:
        """Encode a ``(channels, frames)`` float32 block (in render order)."""
        if block.ndim != 2 or block.shape[0] != self._channels:
            raise EncodeError(str(self.out_dir), f"expected ({self._channels}, frames), got {block.shape}")
        assert self._process.stdin is not None
        step = max(1, round(WRITE_PIECE_S * self._sr))
        for start in range(0, block.shape[1], step):  # small pieces: the window is read between them
            try:
                self._process.stdin.write(np.ascontiguousarray(block[:, start : start + step].T, dtype="<f4").tobytes())
                self._process.stdin.flush()
            except BrokenPipeError:
                raise EncodeError(str(self.out_dir), self._error_text()) from None
            self._refresh(complete=False)

    def close(self) -> Path:
        """Finish the stream (writes ``#EXT-X-ENDLIST``) and return :attr:`entry`."""
        assert self._process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # ffmpeg already failed: its stderr says why
            self._process.stdin.close()
        code = self._process.wait()
        text = self._error_text()
        self._stderr.close()
        if code != 0:
            raise EncodeError(str(self.out_dir), text or f"ffmpeg exited with {code}")
        self._refresh(complete=True)
        return self.entry

    def abort(self) -> None:
        """Stop the encoder without finishing the stream (the render was cancelled or failed)."""
        self._process.kill()
        self._process.wait()
        self._stderr.close()

    def __enter__(self) -> StreamEncoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _refresh(self, *, complete: bool) -> None:
        """Fold ffmpeg's latest window into the EVENT playlist; rewrite it (atomically) when it grew."""
        if self.output_format is not OutputFormat.AAC_HLS:
            return
        try:
            window = (self.out_dir / WINDOW).read_text()
        except FileNotFoundError:
            return
        if window == self._window and not complete:
            return
        self._window = window
        if self._playlist.update(window) or complete:
            temporary = self.out_dir / (PLAYLIST + ".tmp")
            temporary.write_text(self._playlist.text(complete=complete))
            temporary.replace(self.out_dir / PLAYLIST)

    def _error_text(self) -> str:
        self._stderr.seek(0)
        return " | ".join(self._stderr.read().decode(errors="replace").strip().splitlines()[-3:])


def encode(
    y: np.ndarray, out_dir: Path, *, sr: int, output_format: OutputFormat, quality: Quality = Quality.HIGH
) -> Path:
    """Encode a finished render in one go (e.g. the parallel high-quality render); returns the entry path."""
    with StreamEncoder(out_dir, sr=sr, channels=y.shape[0], output_format=output_format, quality=quality) as enc:
        enc.write(y)
    return enc.entry
