"""``tuneton``: serve the product, and the operator and analyst tools around it."""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from tuneton.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    settings = Settings(**overrides)
    result: int = args.handler(settings, args)
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuneton", description=__doc__)
    parser.add_argument("--data-dir", help="embedded data directory (default: TUNETON_DATA_DIR or per-user)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="serve the HTTP API (and, embedded, the processors)")
    serve.add_argument("--host", default=None)
    serve.add_argument("--port", type=int, default=None)
    serve.set_defaults(handler=_serve)

    projections = sub.add_parser("projections", help="read-model maintenance").add_subparsers(required=True)
    rebuild = projections.add_parser("rebuild", help="drop a read model and replay it from the event log")
    rebuild.add_argument("name", help="projection name: playlists, users, tracks, renders or search")
    rebuild.set_defaults(handler=_rebuild)

    events = sub.add_parser("events", help="event log tools").add_subparsers(required=True)
    tail = events.add_parser("tail", help="print decoded records of a topic as JSON lines")
    tail.add_argument("topic")
    tail.add_argument("--from-beginning", action="store_true")
    tail.add_argument("--no-follow", action="store_true", help="exit once caught up with the end")
    tail.add_argument("--limit", type=int, default=None, help="stop after this many records")
    tail.set_defaults(handler=_tail)

    from tuneton.catalog.cli import add_parsers

    add_parsers(sub)

    kafka = sub.add_parser("kafka", help="Kafka administration").add_subparsers(required=True)
    init = kafka.add_parser("init", help="create the topics in infra/kafka/topics.yaml (idempotent)")
    init.add_argument("--spec", default=None, help="topics spec file")
    init.set_defaults(handler=_kafka_init)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from tuneton.observability.logs import configure
    from tuneton.server import uvicorn_config

    settings = settings.model_copy(update={k: v for k, v in (("host", args.host), ("port", args.port)) if v})
    configure(settings.log_level, json_lines=settings.log_json)
    uvicorn.Server(uvicorn_config(settings)).run()
    return 0


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from processors.rebuild import rebuild, rebuild_search
    from projections.registry import PROJECTIONS, SEARCH
    from tuneton.bootstrap import build_runtime

    projection = PROJECTIONS.get(args.name)
    if projection is None and args.name != SEARCH.name:
        print(f"unknown projection {args.name!r}; known: {', '.join([*PROJECTIONS, SEARCH.name])}", file=sys.stderr)
        return 2

    async def run() -> None:
        rt = build_runtime(settings)
        await rt.start()
        try:
            if projection is None:
                count, seconds = await rebuild_search(rt.event_log, rt.search_index, rt.search_runner())
            else:
                runner = next(r for r in rt.projector_runners() if r.group == projection.group)
                count, seconds = await rebuild(rt.event_log, rt.read_store, runner, projection)
            rate = count / seconds if seconds else 0.0
            print(
                json.dumps(
                    {
                        "projection": args.name,
                        "records": count,
                        "seconds": round(seconds, 3),
                        "records_per_s": round(rate),
                    }
                )
            )
        finally:
            await rt.close()

    asyncio.run(run())
    return 0


def _tail(settings: Settings, args: argparse.Namespace) -> int:
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
                for record in records[: None if args.limit is None else args.limit - printed]:
                    print(
                        json.dumps(await _describe(rt, record), default=_json_default, ensure_ascii=False), flush=True
                    )
                    printed += 1
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


async def _describe(rt: Any, record: Any) -> dict[str, Any]:
    base = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": record.key.decode("utf-8", "replace") if record.key else None,
    }
    try:
        base["value"] = await rt.codec.decode(record.topic, record.value)
    except Exception as error:  # noqa: BLE001 - an analyst wants to see poison too
        base["undecodable"] = repr(error)
        base["raw"] = base64.b64encode(record.value or b"").decode()
    return base


def _json_default(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _kafka_init(settings: Settings, args: argparse.Namespace) -> int:
    from tuneton.adapters.kafka.admin import create_topics_from_spec

    spec = Path(args.spec) if args.spec else Path(__file__).resolve().parents[1] / "infra" / "kafka" / "topics.yaml"
    for line in create_topics_from_spec(settings.kafka_bootstrap, spec):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
