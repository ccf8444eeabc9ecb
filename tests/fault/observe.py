"""What clients saw during a fault, and what the log says happened: shared by the fault tests."""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.e2e.conftest import Product
from tuneton.bootstrap import build_runtime
from tuneton.ports import EventLog, LogRecord


@dataclass
class Seen:
    """Every answer of one kind of request: (seconds since start, status or exception name, latency)."""

    name: str
    started: float = field(default_factory=time.monotonic)
    answers: list[tuple[float, str, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: str, latency: float) -> None:
        """One answer."""
        with self.lock:
            self.answers.append((time.monotonic() - self.started, status, latency))

    def between(self, start: float, end: float) -> list[tuple[float, str, float]]:
        """Answers whose request started in ``[start, end)`` (seconds since start)."""
        return [a for a in self.answers if start <= a[0] - a[2] < end]

    def summary(self, start: float, end: float) -> str:
        """Statuses and latencies in a window, for docs/faults.md."""
        window = self.between(start, end)
        if not window:
            return f"{self.name}: no requests"
        latencies = sorted(a[2] for a in window)
        statuses = ", ".join(f"{s} x{n}" for s, n in sorted(Counter(a[1] for a in window).items()))
        return f"{self.name}: {statuses}; latency median {statistics.median(latencies):.2f}s, max {latencies[-1]:.2f}s"


def timed(seen: Seen, request: Any) -> httpx.Response | None:
    """Run ``request()`` and record its status (or exception) and latency."""
    began = time.monotonic()
    try:
        response: httpx.Response = request()
    except httpx.HTTPError as error:
        seen.record(type(error).__name__, time.monotonic() - began)
        return None
    seen.record(str(response.status_code), time.monotonic() - began)
    return response


def seconds_until_ready(base: str, *, limit_s: float = 180) -> float:
    """Poll /readyz until 200; the seconds it took (raises after ``limit_s``)."""
    began = time.monotonic()
    while time.monotonic() - began < limit_s:
        try:
            if httpx.get(f"{base}/readyz", timeout=10).status_code == 200:
                return time.monotonic() - began
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"not ready {limit_s}s after the fault ended")


async def read_to_end(event_log: EventLog, topic: str) -> list[LogRecord]:
    """Every record of ``topic`` up to its end offsets as seen at the start."""
    ends = await event_log.end_offsets(topic)
    subscription = await event_log.subscribe([topic], group=None, from_beginning=True)
    records: list[LogRecord] = []
    try:
        while True:
            at = await subscription.positions()
            if all(at.get((topic, p), 0) >= end for p, end in ends.items()):
                return records
            records += await subscription.poll(wait_s=0.5)
    finally:
        await subscription.close()


def events_of(product: Product, topic: str) -> list[dict[str, Any]]:
    """Every decoded record of ``topic`` as ``{"key", "value"}``; needs only Kafka and the registry
    (the CLI's ``events tail`` starts every adapter, so it fails while S3 or PostgreSQL is away)."""

    async def read() -> list[dict[str, Any]]:
        rt = build_runtime(product.settings())
        await rt.event_log.start()
        await rt.codec.start()
        try:
            return [
                {"key": r.key.decode() if r.key else None, "value": await rt.codec.decode(topic, r.value)}
                for r in await read_to_end(rt.event_log, topic)
            ]
        finally:
            await rt.event_log.close()

    return asyncio.run(read())


def by_version(records: list[dict[str, Any]], key: str) -> dict[int, dict[str, Any]]:
    """``key``'s events by stream version; a redelivered duplicate must be byte-for-byte the same event."""
    versions: dict[int, dict[str, Any]] = {}
    for record in records:
        if record.get("key") != key:
            continue
        value = record["value"]
        assert versions.setdefault(int(value["aggregate_version"]), value) == value, "two events, one version"
    assert sorted(versions) == list(range(1, len(versions) + 1)), f"{key}: a gap in the stream"
    return versions


def report(title: str, lines: list[str]) -> None:
    """Print the figures (visible with ``-s``; docs/faults.md quotes them)."""
    print(f"\n== {title}", *lines, sep="\n  ", flush=True)  # noqa: T201 - the measurement is the output
