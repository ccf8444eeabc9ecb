"""``tuneton``: serve the product, and the operator and analyst tools around it."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from tuneton.observability.gc_tuning import tune_gc
from tuneton.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if getattr(args, "data_dir", None):
        overrides["data_dir"] = Path(args.data_dir)
    settings = Settings(**overrides)
    tune_gc(settings.gc_young_threshold)  # a rebuild or an import allocates like a worker does
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

    login = sub.add_parser("dev-login", help="print initData for a dev user, signed with the local dev bot token")
    login.add_argument("--user", default="dev", help="user name (digits: the Telegram id itself)")
    login.add_argument("--json", action="store_true", help="print user id, initData and URL as one JSON object")
    login.set_defaults(handler=_dev_login)

    projections = sub.add_parser("projections", help="read-model maintenance").add_subparsers(required=True)
    rebuild = projections.add_parser("rebuild", help="drop a read model and replay it from the event log")
    rebuild.add_argument("name", help="projection name: playlists, users, tracks, renders or search")
    rebuild.set_defaults(handler=_rebuild)

    events = sub.add_parser("events", help="event log tools").add_subparsers(required=True)
    from tuneton.analytics.cli import add_parsers as add_event_parsers

    add_event_parsers(events)

    from tuneton.catalog.cli import add_parsers

    add_parsers(sub)
    from tuneton import deadletters

    deadletters.add_parsers(sub)

    kafka = sub.add_parser("kafka", help="Kafka administration").add_subparsers(required=True)
    init = kafka.add_parser("init", help="create the topics in infra/kafka/topics.yaml (idempotent)")
    init.add_argument("--spec", default=None, help="topics spec file")
    init.add_argument("--check", action="store_true", help="change nothing; report drift and exit 1 if any")
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


def _dev_login(settings: Settings, args: argparse.Namespace) -> int:
    from tuneton.auth.devlogin import DevModeOff, dev_login

    try:
        login = dev_login(settings, args.user)
    except DevModeOff as error:
        print(f"tuneton dev-login: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({"user_id": login.user_id, "init_data": login.init_data, "url": login.url}))
    else:
        print(f"user id:  {login.user_id}\ninitData: {login.init_data}\nopen:     {login.url}")
        print(f"header:   Authorization: tma {login.init_data}")
    return 0


def _rebuild(settings: Settings, args: argparse.Namespace) -> int:
    from processors.host import projector_runners, search_runner
    from processors.rebuild import rebuild, rebuild_search
    from projections.registry import PROJECTIONS, SEARCH
    from tuneton.bootstrap import build_runtime

    projection = PROJECTIONS.get(args.name)
    if projection is None and args.name != SEARCH.name:
        print(f"unknown projection {args.name!r}; known: {', '.join([*PROJECTIONS, SEARCH.name])}", file=sys.stderr)
        return 2

    async def run() -> None:
        rt = build_runtime(settings)
        if projection is None:  # an index of other analysis rules is what a search rebuild is for
            await rt.search_index.start(rebuilding=True)
        await rt.start()
        cpu = time.process_time()
        try:
            if projection is None:
                count, seconds = await rebuild_search(rt.event_log, rt.search_index, search_runner(rt))
            else:
                runner = next(r for r in projector_runners(rt) if r.group == projection.group)
                count, seconds = await rebuild(rt.event_log, rt.read_store, runner, projection)
            rate = count / seconds if seconds else 0.0
            print(
                json.dumps(
                    {
                        "projection": args.name,
                        "records": count,
                        "seconds": round(seconds, 3),
                        "records_per_s": round(rate),
                        # this process's CPU time: on a busy machine the rate a free core would give
                        "cpu_seconds": round(time.process_time() - cpu, 3),
                    }
                )
            )
        finally:
            await rt.close()

    asyncio.run(run())
    return 0


def _kafka_init(settings: Settings, args: argparse.Namespace) -> int:
    from tuneton.adapters.kafka.admin import create_topics_from_spec
    from tuneton.bootstrap import TOPICS_SPEC

    spec = Path(args.spec) if args.spec else TOPICS_SPEC
    drift = False
    for line in create_topics_from_spec(settings.kafka_bootstrap, spec, check=args.check):
        print(line)
        drift = drift or line.startswith(("drift", "missing"))
    return 1 if args.check and drift else 0


if __name__ == "__main__":
    sys.exit(main())
