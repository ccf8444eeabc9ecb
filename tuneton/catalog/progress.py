"""A one-line progress bar on stderr (files, megabytes, rate, ETA), standard library only.

On a terminal the line is redrawn in place at most every 0.2 s; otherwise (CI logs, pipes) one line
is printed per finished file, so a log still shows progress without carriage-return noise.
"""

from __future__ import annotations

import math
import sys
import time
from typing import TextIO

WIDTH = 24
REDRAW_S = 0.2


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class Progress:
    """Tracks done/total files and bytes; :meth:`advance` after each file, :meth:`close` at the end."""

    def __init__(self, *, files: int, total_bytes: int, stream: TextIO | None = None, label: str = "") -> None:
        self.files, self.total_bytes = files, total_bytes
        self.done_files = self.done_bytes = 0
        self._stream = stream or sys.stderr
        self._tty = self._stream.isatty()
        self._label = label
        self._started = time.monotonic()
        self._drawn = 0.0

    def advance(self, size: int, name: str = "") -> None:
        """One more file of ``size`` bytes is done."""
        self.done_files += 1
        self.done_bytes += size
        now = time.monotonic()
        if not self._tty:
            self._stream.write(self.line(name) + "\n")
        elif now - self._drawn >= REDRAW_S or self.done_files == self.files:
            self._stream.write("\r\x1b[2K" + self.line(name))
            self._drawn = now
        self._stream.flush()

    def line(self, name: str = "") -> str:
        """The progress line as text."""
        elapsed = time.monotonic() - self._started
        fraction = self.done_bytes / self.total_bytes if self.total_bytes else self.done_files / max(1, self.files)
        bar = "#" * round(fraction * WIDTH)
        rate = self.done_bytes / elapsed if elapsed > 0 else 0.0
        eta = (self.total_bytes - self.done_bytes) / rate if rate > 0 else float("nan")
        eta_text = "--:--" if math.isnan(eta) else _clock(eta)  # NaN until the first file is done
        mb = 1024 * 1024
        return (
            f"{self._label}[{bar:<{WIDTH}}] {self.done_files}/{self.files} files  "
            f"{self.done_bytes / mb:.1f}/{self.total_bytes / mb:.1f} MB  {rate / mb:.1f} MB/s  "
            f"ETA {eta_text}  {name[-40:]}"
        ).rstrip()

    def close(self) -> None:
        """End the line (terminal) so later output starts on a fresh line."""
        if self._tty:
            self._stream.write("\n")
            self._stream.flush()
