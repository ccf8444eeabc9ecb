"""``python -m processors worker``: run the faust-streaming worker for the distributed runtime."""

from __future__ import annotations

import sys

from prometheus_client import start_http_server

from processors.faust_app import create_app
from tuneton.observability.gc_tuning import tune_gc
from tuneton.observability.logs import configure
from tuneton.settings import Settings


def main(argv: list[str]) -> None:
    """Build the app from settings and hand the command line to Faust's worker CLI."""
    settings = Settings(runtime="distributed")
    configure(settings.log_level, json_lines=settings.log_json)
    tune_gc(settings.gc_young_threshold)
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
