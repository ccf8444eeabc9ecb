"""Retry a write to a store until it succeeds: a processor never moves past a batch it did not persist.

A failure *while persisting* (PostgreSQL, Elasticsearch or the log down, a pool timeout, a lost
connection) is not the records' fault, so they are never dead-lettered for it, and skipping them would
lose accepted events from the read side for good: positions and external versions would already say
"later". The processor therefore retries the same call with exponential backoff, for as long as it
takes, and resumes where it stood. Only the records' own faults (undecodable, invalid) become dead
letters, inside the steps, before anything is persisted.

Logging is bounded: the first failure, then one line per doubling of the attempt count, then one line
when the store answers again (a 90-s outage is about a dozen lines, not thousands).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from tuneton.observability import metrics

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class Backoff:
    """Delays between attempts: ``first``, doubling up to ``cap`` seconds."""

    first: float = 0.2
    cap: float = 5.0

    def delays(self) -> Callable[[], float]:
        """A fresh sequence of delays (one per failed attempt)."""
        delay = self.first / 2

        def next_delay() -> float:
            nonlocal delay
            delay = min(delay * 2, self.cap)
            return delay

        return next_delay


async def until_persisted(
    call: Callable[[], Awaitable[T]],
    *,
    what: str,
    group: str,
    backoff: Backoff,
    passthrough: tuple[type[Exception], ...] = (),
) -> T:
    """``await call()`` until it returns; every exception is logged (bounded) and retried after a pause.

    Cancellation (a worker stopping) still propagates: the batch is then neither applied nor
    acknowledged, and is redelivered to whoever owns the partition next. So do ``passthrough``
    exceptions: answers about the batch that the caller acts on (a ``PositionGap``), not failures.
    """
    attempts = 0
    started = time.monotonic()
    next_delay = backoff.delays()
    while True:
        try:
            result = await call()
        except passthrough:
            raise
        except Exception as error:  # noqa: BLE001 - any persistence failure is retried, never skipped
            attempts += 1
            metrics.STORE_RETRIES.labels(group).inc()
            delay = next_delay()
            if attempts & (attempts - 1) == 0:  # 1, 2, 4, 8, ...: bounded logging in a long outage
                log.warning("%s: %s failed (attempt %d), retrying in %.1fs: %r", group, what, attempts, delay, error)
            await asyncio.sleep(delay)
            continue
        if attempts:
            log.warning("%s: %s succeeded after %d retries (%.1fs)", group, what, attempts, time.monotonic() - started)
        return result
