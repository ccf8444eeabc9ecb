"""The one error every adapter raises when its server cannot be reached *right now*.

Callers treat it as transient, never as the data's fault: the HTTP edge answers 503 with
``Retry-After`` (the client retries, with the same Idempotency-Key for commands), and processors retry
the same batch with backoff instead of dead-lettering it or moving past it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tuneton.domain.errors import TuneTonError


class StoreUnavailable(TuneTonError):
    """``store`` (read store, blob store, search index, ...) did not answer; retry after ``retry_after_s``."""

    def __init__(self, store: str, reason: str, *, retry_after_s: int = 2) -> None:
        super().__init__(f"{store} unavailable: {reason}")
        self.store = store
        self.retry_after_s = retry_after_s


class Breaker:
    """Once a store failed to answer, refuse calls at once for ``open_s``, then let them try again.

    Without it every request during an outage waits out the adapter's own timeout (the pool wait, the
    connect timeout) before its 503; with it only one probe per ``open_s`` does, and the rest answer
    immediately. It never keeps a recovered store closed longer than ``open_s``.
    """

    def __init__(self, store: str, *, open_s: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._store = store
        self._open_s = open_s
        self._clock = clock
        self._until = 0.0
        self._reason = ""

    def check(self) -> None:
        """Raise StoreUnavailable while the last failure is recent."""
        if self._clock() < self._until:
            raise StoreUnavailable(self._store, f"did not answer moments ago ({self._reason})")

    def failed(self, reason: str) -> None:
        """The store did not answer: refuse calls for the next ``open_s`` seconds."""
        self._until = self._clock() + self._open_s
        self._reason = reason
