"""``tuneton events tail`` and ``tuneton events export`` (parsed in tuneton/cli.py); both runtimes.

``tail`` prints decoded records as JSON lines with their log timestamp and headers, filtered by key and
time; ``export`` writes them to Parquet or JSON-lines files (see :mod:`tuneton.analytics.export`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tuneton.analytics.export import Window, export_topic
from tuneton.analytics.rows import headers_of, record_time, to_json
from tuneton.ports import LogRecord
from tuneton.settings import Settings


def add_parsers(events: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``events tail`` and ``events export``."""
    tail = events.add_parser("tail", help="print decoded records of a topic as JSON lines")
    tail.add_argument("topic")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--no-follow", action="store_true", help="exit once caught up with the end")
    tail.add_argument("--limit", type=int, default=None, help="stop after this many records")
    tail.add_argument("--key", default=None, help="only records with this key (an aggregate id)")
    _window_options(tail)
    tail.set_defaults(handler=run_tail)
    export = events.add_parser("export", help="write decoded records to Parquet or JSON lines (resumable)")
    export.add_argument("topic")
    export.add_argument("--format", choices=["parquet", "jsonl"], default="parquet")
    export.add_argument("--out", type=Path, default=Path("export"), help="directory (default ./export)")
    _window_options(export)
    export.set_defaults(handler=run_export)


def _window_options(parser: argparse.ArgumentParser) -> None:
    help_time = "ISO 8601 log time; without an offset it is UTC"
    parser.add_argument("--since", type=_instant, default=None, help=f"records at or after ({help_time})")
    parser.add_argument("--until", type=_instant, default=None, help=f"records before ({help_time})")


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    """Export new records of a topic; prints one JSON line per file written, then a summary."""
    from tuneton.bootstrap import build_runtime

    async def run() -> None:
        rt = build_runtime(settings)
        await rt.start()
        try:
            window = Window(since=args.since, until=args.until)
            written = await export_topic(rt.event_log, rt.codec, args.topic, args.out, fmt=args.format, window=window)
        finally:
            await rt.close()
        for item in written:
            print(json.dumps({"partition": item.partition, "file": str(item.path), "rows": item.rows}))
        print(json.dumps({"topic": args.topic, "files": len(written), "rows": sum(w.rows for w in written)}))

    try:
        asyncio.run(run())
    except ImportError as error:  # pyarrow missing: say which extra to install
        print(str(error), file=sys.stderr)
        return 2
    return 0


def run_tail(settings: Settings, args: argparse.Namespace) -> int:
    """Print matching records as JSON lines until interrupted (or caught up, with --no-follow)."""
    from tuneton.bootstrap import build_runtime

    async def run() -> None:
        rt = build_runtime(settings)
        await rt.start()
        try:
            ends = await rt.event_log.end_offsets(args.topic) if args.from_beginning else {}
            subscription = await rt.event_log.subscribe([args.topic], group=None, from_beginning=args.from_beginning)
            printed = 0
            while args.limit is None or printed < args.limit:
                records = await subscription.poll(max_records=500, wait_s=0.5)
                for record in (r for r in records if _matches(r, args)):
                    print(to_json(await _describe(rt.codec, record)), flush=True)
                    printed += 1
                    if args.limit is not None and printed >= args.limit:
                        break
                # --no-follow: stop once every partition reached the end offsets seen at start
                if args.no_follow and not records:
                    at = await subscription.positions()
                    if all(at.get((args.topic, p), 0) >= end for p, end in ends.items()):
                        break
            await subscription.close()
        finally:
            await rt.close()

    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how a follower stops
        asyncio.run(run())
    return 0


def _matches(record: LogRecord, args: argparse.Namespace) -> bool:
    if args.key is not None and record.key != args.key.encode():
        return False
    when = record_time(record)
    return (args.since is None or when >= args.since) and (args.until is None or when < args.until)


async def _describe(codec: Any, record: LogRecord) -> dict[str, Any]:
    base: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record_time(record),
        "key": record.key.decode("utf-8", "replace") if record.key else None,
        "headers": headers_of(record),
    }
    try:
        base["value"] = await codec.decode(record.topic, record.value)
    except Exception as error:  # noqa: BLE001 - an analyst wants to see poison too
        base["undecodable"] = repr(error)
        base["raw"] = record.value
    return base
