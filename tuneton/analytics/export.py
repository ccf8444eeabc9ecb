"""``tuneton events export``: a topic's records, decoded, into files per partition; resumable by offset.

Each run exports, per partition, from the marker (``<out>/<topic>/_state/partition-N.json``) up to the
log end seen when it started, and moves the marker only after the file holding those records is in
place. A rerun continues where the last one stopped; a crash leaves at most a file that the rerun
writes again under the same name (names carry the offset range). ``since``/``until`` filter on the
record's log timestamp: records before ``since`` are passed over (the marker moves past them), and a
partition stops at its first record after ``until`` (the marker stays there, so a later run with a
later ``until`` picks up exactly the rest).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tuneton.analytics.files import Format, Markers, write_rows
from tuneton.analytics.rows import record_time, row_of
from tuneton.events.codec import AvroCodec
from tuneton.events.errors import EventContractError
from tuneton.ports import EventLog, LogRecord, Subscription


@dataclass(frozen=True, kw_only=True)
class Window:
    """Which records by log time: ``since`` inclusive, ``until`` exclusive (None: unbounded)."""

    since: datetime | None = None
    until: datetime | None = None


@dataclass(kw_only=True)
class _Partition:
    """One partition's progress in this run."""

    start: int
    end: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    first: int | None = None
    next_offset: int = 0
    stopped: bool = False  # reached ``until``: nothing more from this partition in this run


@dataclass(frozen=True, kw_only=True)
class Written:
    """A file this run wrote."""

    partition: int
    path: Path
    rows: int
    next_offset: int


async def export_topic(
    log: EventLog,
    codec: AvroCodec,
    topic: str,
    out: Path,
    *,
    fmt: Format,
    window: Window = Window(),
    file_rows: int = 100_000,
) -> list[Written]:
    """Export new records of ``topic`` into ``out/<topic>/``; return the files written."""
    target = out / topic
    target.mkdir(parents=True, exist_ok=True)
    markers = Markers(target)
    ends = await log.end_offsets(topic)
    parts = {p: _Partition(start=markers.next_offset(p), end=end) for p, end in ends.items()}
    for part in parts.values():
        part.next_offset = part.start
    todo = {p: part for p, part in parts.items() if part.start < part.end}
    if not todo:
        return []
    subscription = await log.subscribe([topic], group=None, from_beginning=True)
    try:
        for partition, part in parts.items():
            await subscription.seek(topic, partition, min(part.start, part.end))
        return await _drain(subscription, codec, topic, todo, target, markers, fmt, window, file_rows)
    finally:
        await subscription.close()


async def _drain(
    subscription: Subscription,
    codec: AvroCodec,
    topic: str,
    todo: dict[int, _Partition],
    target: Path,
    markers: Markers,
    fmt: Format,
    window: Window,
    file_rows: int,
) -> list[Written]:
    written: list[Written] = []
    while not all(part.stopped or part.next_offset >= part.end for part in todo.values()):
        for record in await subscription.poll(max_records=2000, wait_s=0.5):
            part = todo.get(record.partition)
            if part is None or part.stopped or record.offset >= part.end or record.offset < part.next_offset:
                continue
            await _take(part, record, codec, window)
            if len(part.rows) >= file_rows:
                written.append(_flush(topic, record.partition, part, target, markers, fmt))
        at = await subscription.positions()
        for partition, part in todo.items():  # transaction markers: the fetch position passed the end
            if not part.stopped and at.get((topic, partition), 0) >= part.end:
                part.next_offset = max(part.next_offset, part.end)
    for partition, part in todo.items():
        if part.rows:
            written.append(_flush(topic, partition, part, target, markers, fmt))
        elif part.next_offset != part.start:
            markers.save(topic, partition, part.next_offset)
    return written


async def _take(part: _Partition, record: LogRecord, codec: AvroCodec, window: Window) -> None:
    when = record_time(record)
    if window.until is not None and when >= window.until:
        part.stopped = True  # the marker stays at this record
        return
    part.next_offset = record.offset + 1
    if window.since is not None and when < window.since:
        return
    try:
        row = row_of(record, await codec.decode(record.topic, record.value))
    except EventContractError as error:
        row = row_of(record, None, repr(error))
    if part.first is None:
        part.first = record.offset
    part.rows.append(row)


def _flush(topic: str, partition: int, part: _Partition, target: Path, markers: Markers, fmt: Format) -> Written:
    last = part.rows[-1]["offset"]
    stem = target / f"part-{partition:03d}-{part.first:012d}-{last:012d}"
    path = write_rows(part.rows, stem, fmt)
    written = Written(partition=partition, path=path, rows=len(part.rows), next_offset=part.next_offset)
    markers.save(topic, partition, part.next_offset)
    part.rows, part.first = [], None
    return written
