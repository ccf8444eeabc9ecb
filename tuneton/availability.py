"""The one error every adapter raises when its server cannot be reached *right now*.

Callers treat it as transient, never as the data's fault: the HTTP edge answers 503 with
``Retry-After`` (the client retries, with the same Idempotency-Key for commands), and processors retry
the same batch with backoff instead of dead-lettering it or moving past it.
"""

from __future__ import annotations

from tuneton.domain.errors import TuneTonError


class StoreUnavailable(TuneTonError):
    """``store`` (read store, blob store, search index, ...) did not answer; retry after ``retry_after_s``."""

    def __init__(self, store: str, reason: str, *, retry_after_s: int = 2) -> None:
        super().__init__(f"{store} unavailable: {reason}")
        self.store = store
        self.retry_after_s = retry_after_s
