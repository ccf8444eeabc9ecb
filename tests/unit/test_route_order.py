"""The app's routes in the order that keeps FastAPI's per-request resolution cheap (tuneton/server.py).

FastAPI 0.137 and later resolve an included router on every request, trying its routes one by one at a
cost of microseconds each (BENCHMARKS, "The no-op GET was paying for FastAPI's routing"): probes behind
the API routers tried every API route first (about 140 µs of routing per probe, under 6 µs with the probes first).
"""

from __future__ import annotations

from pathlib import Path

from starlette.routing import BaseRoute

from tuneton.server import create_app
from tuneton.settings import Settings


def _included(route: BaseRoute) -> bool:
    return hasattr(route, "original_router")  # FastAPI's _IncludedRouter (a private class)


def test_the_probes_come_before_every_included_router(tmp_path: Path) -> None:
    routes = create_app(Settings(data_dir=tmp_path)).router.routes
    first_router = next(n for n, route in enumerate(routes) if _included(route))
    probe_paths = {"/healthz", "/readyz", "/metrics"}
    probes = [n for n, route in enumerate(routes) if getattr(route, "path", None) in probe_paths]
    assert len(probes) == 3
    assert max(probes) < first_router

