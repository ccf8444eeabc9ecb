"""FastAPI's route resolution per request, on the product's app and on the layout it replaced.

Usage:
    python -m benchmarks.route_resolution [--repeat 20000]

FastAPI 0.137 and later resolve every included router on each request. ``tuneton serve`` includes each
resource's router into the app directly and registers the probes first (tuneton/server.py); the baseline,
built in the same run from the same routers, is the layout before the twelfth session: two umbrella
routers (commands, queries) and the probes after them. Each figure is the best of five rounds of
``repeat`` resolutions (``matches`` on the app's routes until one matches fully), µs per request.
Prints one JSON object. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.routing import BaseRoute, Match

from benchmarks.snapshots import best_us
from commands.main import ROUTERS as COMMAND_ROUTERS
from query_api.main import ROUTERS as QUERY_ROUTERS
from tuneton.server import create_app
from tuneton.settings import Settings

REQUESTS = (
    ("GET", "/healthz"),
    ("POST", "/v1/playlists/0f3c2a7e-1111-4222-8333-944455556666/items"),
    ("GET", "/v1/me/queue/next"),
    ("GET", "/v1/tracks"),
)


def nested_baseline(app: FastAPI) -> list[BaseRoute]:
    """The same routes laid out as before: FastAPI's own, the umbrella routers, then the probes and the rest."""
    baseline = FastAPI()
    for group in (COMMAND_ROUTERS, QUERY_ROUTERS):
        umbrella = APIRouter()
        for router in group:
            umbrella.include_router(router)
        baseline.include_router(umbrella)
    docs = len(FastAPI().router.routes)  # FastAPI's own (the OpenAPI document, /docs), first in both
    own = [route for route in app.router.routes[docs:] if not hasattr(route, "original_router")]
    return [*app.router.routes[:docs], *baseline.router.routes[docs:], *own]


def resolve_us(routes: list[BaseRoute], method: str, path: str, repeat: int) -> float:
    """Best of five rounds: µs to find the route that fully matches ``method path``."""
    scope: dict[str, Any] = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}

    def resolve() -> BaseRoute:
        for route in routes:
            if route.matches(dict(scope))[0] == Match.FULL:
                return route
        raise LookupError(f"{method} {path} matches no route")

    resolve()
    return best_us(resolve, repeat)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20_000)
    args = parser.parse_args()
    app = create_app(Settings(data_dir=Path(tempfile.mkdtemp(prefix="tuneton-routes-"))))
    before, now = nested_baseline(app), list(app.router.routes)
    figures = {}
    for method, path in REQUESTS:
        was, is_ = resolve_us(before, method, path, args.repeat), resolve_us(now, method, path, args.repeat)
        figures[f"{method} {path}"] = {"nested_probes_last_us": was, "flat_probes_first_us": is_,
                                       "ratio": round(was / is_, 2)}  # fmt: skip
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
