"""``python -m processors worker``: run the faust-streaming worker for the distributed runtime.

``python -m processors embedded --link-fd N``: the embedded runtime's processors, started by
``tuneton serve`` itself when ``embedded_processors = "worker"`` (:mod:`processors.embedded_worker`).
"""

from __future__ import annotations

import asyncio
import sys

from prometheus_client import start_http_server

from processors.faust_app import create_app
from tuneton.event_loop import use_event_loop
from tuneton.observability.gc_tuning import tune_gc
from tuneton.observability.logs import configure
from tuneton.settings import Settings


def embedded(argv: list[str]) -> None:
    """The embedded worker, with the serving process's settings (stdin) and its end of the link."""
    from processors import embedded_worker

    if len(argv) != 2 or argv[0] != "--link-fd":
        raise SystemExit("usage: python -m processors embedded --link-fd N (started by tuneton serve)")
    settings = embedded_worker.read_settings()
    configure(settings.log_level, json_lines=settings.log_json)
    tune_gc(settings.gc_young_threshold)
    use_event_loop(settings.worker_event_loop)
    asyncio.run(embedded_worker.run(settings, int(argv[1])))


def main(argv: list[str]) -> None:
    """Build the app from settings and hand the command line to Faust's worker CLI."""
    if argv[:1] == ["embedded"]:
        embedded(argv[1:])
        return
    settings = Settings(runtime="distributed")
    configure(settings.log_level, json_lines=settings.log_json)
    tune_gc(settings.gc_young_threshold)
    use_event_loop(settings.worker_event_loop)  # before the app: creating it may create Faust's loop
    app = create_app(settings)
    # The worker's own counters (records processed, dead letters) for Prometheus, loopback by default.
    start_http_server(settings.worker_metrics_port, addr=settings.worker_metrics_host)
    args = argv or ["worker", "--loglevel", "warn"]
    if args[0] == "worker" and "--without-web" not in args:
        args = [*args, "--without-web"]  # no HTTP side door: metrics and health come from the API process
    sys.argv = ["processors", *args]
    app.main()


if __name__ == "__main__":
    main(sys.argv[1:])
