"""Bound the lines a storm of one repeated warning can write: the Kafka clients during an outage.

With the broker away every aiokafka client retries its connection and metadata every 100 ms or so,
and logs each failure (``Unable connect to node with id 1``, ``Unable to update metadata``): measured
~520,000 lines (72 MB) in two minutes from one API process. A warning repeated with the same logger
and message template is let through ``burst`` times per ``window_s``; the rest are counted, and the
next line let through carries the count as ``suppressed`` (and says it in the message).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MAX_KEYS = 1024


@dataclass
class _Window:
    started: float
    passed: int = 0
    suppressed: int = 0


class RepeatFilter(logging.Filter):
    """Let ``burst`` records per (logger, level, template) through per window; count the rest.

    Only records at ``min_level`` or above are limited: the storm is of warnings and errors, and an
    info line repeated per request (access logs) is traffic, not a storm.
    """

    def __init__(
        self,
        *,
        burst: int = 5,
        window_s: float = 10.0,
        min_level: int = logging.WARNING,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self._burst = burst
        self._window_s = window_s
        self._min_level = min_level
        self._clock = clock
        self._windows: dict[tuple[str, int, str], _Window] = {}
        self._lock = threading.Lock()  # handlers are called from any thread (librdkafka, executors)

    def filter(self, record: logging.LogRecord) -> bool:
        """False for a repeat beyond the burst; the first line of a new window reports the repeats."""
        if record.levelno < self._min_level:
            return True
        key = (record.name, record.levelno, str(record.msg))
        now = self._clock()
        with self._lock:
            if len(self._windows) > MAX_KEYS:  # messages formatted before logging make a key each
                self._forget_before(now - self._window_s)
            window = self._windows.get(key)
            if window is None or now - window.started >= self._window_s:
                suppressed = window.suppressed if window is not None else 0
                self._windows[key] = _Window(started=now, passed=1)
            elif window.passed < self._burst:
                window.passed += 1
                suppressed = 0
            else:
                window.suppressed += 1
                return False
        if suppressed:
            record.suppressed = suppressed
            record.msg = f"{record.msg} [{suppressed} similar lines suppressed in the last {self._window_s:g}s]"
        return True

    def _forget_before(self, cutoff: float) -> None:
        for key in [k for k, w in self._windows.items() if w.started < cutoff]:
            del self._windows[key]


def install(handlers: list[logging.Handler]) -> None:
    """Add one ``RepeatFilter`` to each handler that has none yet (idempotent)."""
    for handler in handlers:
        if not any(isinstance(f, RepeatFilter) for f in handler.filters):
            handler.addFilter(RepeatFilter())
