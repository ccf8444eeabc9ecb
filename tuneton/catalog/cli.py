"""The ``tuneton import`` and ``tuneton demo`` commands (parsed in tuneton/cli.py).

In-process, the ingest runs on this process's runtime — embedded, that includes the decider and the
projectors, so the tracks are readable when the command returns. ``--api URL`` uploads to a running
server instead (required while ``tuneton serve`` owns the embedded data directory).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import platformdirs

from tuneton.catalog import demo
from tuneton.catalog.importer import Summary, import_folder
from tuneton.catalog.uploaders import HttpUploader, LocalUploader, Uploader
from tuneton.settings import Settings

CATCH_UP_S = 60
DEMO_USER = "demo"


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``import`` and ``demo``."""
    importing = sub.add_parser("import", help="import a folder of music (resumable; skips duplicates)")
    importing.add_argument("folder", type=Path)
    importing.add_argument(
        "--user",
        default=os.environ.get("USER", "local"),
        help="uploader id (default: $USER); with --api only on a dev-mode server, else set TUNETON_API_TOKEN",
    )
    importing.add_argument("--visibility", default="private", choices=["private", "unlisted", "public"])
    _common(importing)
    importing.set_defaults(handler=run_import)
    seeding = sub.add_parser("demo", help="seed the demo catalog (12 tracks, tags and covers in several scripts)")
    seeding.add_argument("--if-empty", action="store_true", help="do nothing when the catalog has tracks")
    _common(seeding)
    seeding.set_defaults(handler=run_demo)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--api", default=None, help="upload to this running server instead, e.g. http://127.0.0.1:8080")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="files ingested at once")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    """``tuneton import FOLDER``."""
    if not args.folder.is_dir():
        print(f"not a folder: {args.folder}", file=sys.stderr)
        return 2
    return asyncio.run(_import(settings, args, args.folder, user=args.user, visibility=args.visibility))


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    """``tuneton demo``: build the files (cached), then import them as public tracks of user ``demo``."""
    if args.if_empty and args.api is None and asyncio.run(_has_tracks(settings)):
        print("the catalog already has tracks; not seeding the demo", file=sys.stderr)
        return 0
    print("preparing the demo catalog ...", file=sys.stderr)
    folder = demo.build(platformdirs.user_cache_path("tuneton") / "demo")
    return asyncio.run(_import(settings, args, folder, user=DEMO_USER, visibility="public"))


async def _import(settings: Settings, args: argparse.Namespace, folder: Path, *, user: str, visibility: str) -> int:
    started = time.monotonic()
    state_dir = settings.data_dir / "imports"
    if args.api is not None:
        token = os.environ.get("TUNETON_API_TOKEN") or None
        http = HttpUploader(args.api, user=user, visibility=visibility, token=token)
        try:
            summary = await import_folder(folder, http, state_dir=state_dir, concurrency=args.jobs)
        finally:
            await http.close()
    else:
        from processors.embedded_worker import ProcessorsBusy

        try:
            async with local_uploader(settings, user=user, visibility=visibility) as local:
                summary = await import_folder(folder, local, state_dir=state_dir, concurrency=args.jobs)
        except ProcessorsBusy as error:  # a server runs on this data directory: it must do the import
            print(f"{error} (e.g. --api http://127.0.0.1:8080)", file=sys.stderr)
            return 2
    _report(summary, time.monotonic() - started, as_json=args.json)
    return 1 if summary.counts["failed"] else 0


@contextlib.asynccontextmanager
async def local_uploader(settings: Settings, *, user: str, visibility: str) -> AsyncIterator[Uploader]:
    """An uploader on this process's runtime (with the processors when embedded)."""
    from tuneton.process import running
    from tuneton.server import ingest_service

    async with running(settings) as live:
        yield LocalUploader(ingest_service(live.runtime, live.bus), user=user, visibility=visibility)
        if live.runtime.embedded:
            await _tracks_caught_up(live.runtime)


async def _tracks_caught_up(rt: object) -> None:
    """Wait (bounded) until the tracks read model has applied every track event."""
    from projections.registry import PROJECTIONS
    from tuneton.bootstrap import Runtime
    from tuneton.events import topics

    assert isinstance(rt, Runtime)
    deadline = time.monotonic() + CATCH_UP_S
    ends = await rt.event_log.end_offsets(topics.TRACK_EVENTS)
    while time.monotonic() < deadline:
        applied = await rt.read_store.positions(PROJECTIONS["tracks"].name)
        if all(applied.get((topics.TRACK_EVENTS, p), 0) >= end for p, end in ends.items()):
            return
        await asyncio.sleep(0.1)


async def _has_tracks(settings: Settings) -> bool:
    from tuneton.bootstrap import build_runtime

    rt = build_runtime(settings)
    await rt.read_store.start()
    try:
        rows = await rt.read_store.fetch_all("SELECT COUNT(*) AS n FROM tracks", {})
        return int(rows[0]["n"]) > 0
    finally:
        await rt.read_store.close()


def _report(summary: Summary, seconds: float, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({**summary.as_dict(), "seconds": round(seconds, 1)}, ensure_ascii=False))
        return
    counts = summary.counts
    print(
        f"imported {counts['imported']}, duplicate {counts['duplicate']}, failed {counts['failed']}"
        f" (already done before: {summary.resumed}) in {seconds:.1f} s"
    )
    for path, reason, message in summary.failures:
        print(f"  failed  {path}: {reason}" + (f" ({message})" if message else ""))
