"""The HTTP process: command API + query API + health and metrics, around one Runtime.

In the embedded default the same process also runs the processors; in the distributed runtime it is
stateless and can be scaled out behind the gateway.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commands.bus import CommandBus
from commands.ingest import DuplicateFinder, IngestService, clear_leftovers
from commands.ingest_steps import MediaSteps
from commands.main import EXCEPTION_HANDLERS, streams_own_body
from commands.main import router as command_router
from commands.staging import BlobClaims
from query_api.main import router as query_router
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.observability import metrics
from tuneton.settings import Settings
from tuneton.web.body_limit import BodyLimit
from tuneton.web.header_limit import HeaderLimit
from tuneton.web.methods import method_not_allowed
from tuneton.web.validation import validation_failed

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the ASGI app; adapters start in the lifespan, not here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or build_runtime(settings)
        await rt.start()
        bus = CommandBus(rt.event_log, rt.codec, timeout_s=settings.command_timeout_s)
        await bus.start()
        if rt.embedded:
            rt.start_processors()
        app.state.runtime, app.state.command_bus, app.state.read_store = rt, bus, rt.read_store
        app.state.blob_store, app.state.search_index = rt.blob_store, rt.search_index
        app.state.blob_claims, app.state.ingest = BlobClaims(), ingest_service(rt, bus)
        clear_leftovers(settings.upload_dir)
        log.info("tuneton serving", extra={"runtime": settings.runtime, "data_dir": str(settings.data_dir)})
        try:
            yield
        finally:
            await bus.close()
            await rt.close()

    app = FastAPI(
        title="tuneTON API",
        version="0.1.0",
        description="Commands go to the event log and return the decider's verdict; queries read the read models.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    for error, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
    app.include_router(command_router)
    app.include_router(query_router)
    app.add_middleware(BodyLimit, limit_for=_body_limits(settings))
    app.add_middleware(HeaderLimit, max_bytes=settings.header_max_bytes)
    app.add_middleware(_ObserveLatency)
    _health_routes(app)
    return app


def _body_limits(settings: Settings) -> Callable[[str, str], int | None]:
    """JSON bodies get ``json_body_max_bytes``; uploads stream under their own limit (None here)."""

    def limit_for(method: str, path: str) -> int | None:
        return None if streams_own_body(method, path) else settings.json_body_max_bytes

    return limit_for


def ingest_service(rt: Runtime, bus: CommandBus, *, claims: BlobClaims | None = None) -> IngestService:
    """The upload pipeline on this runtime's blob store, read store and command bus."""
    return IngestService(
        blobs=rt.blob_store,
        bus=bus,
        duplicates=DuplicateFinder(rt.read_store),
        steps=MediaSteps(),
        tmp_dir=rt.settings.upload_dir,
        max_bytes=rt.settings.upload_max_bytes,
        claims=claims,
    )


def _health_routes(app: FastAPI) -> None:
    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready."}})
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: read store, log, blob store and search index answer; embedded processors are alive."""
        rt: Runtime = request.app.state.runtime
        checks: dict[str, str] = {}
        try:
            await rt.read_store.fetch_all("SELECT 1 AS one", {})
            checks["read_store"] = "ok"
        except Exception as error:  # noqa: BLE001 - reported, not raised
            checks["read_store"] = f"failed: {error!r}"
        try:
            await rt.event_log.end_offsets("tuneton.commands")
            checks["event_log"] = "ok"
        except Exception as error:  # noqa: BLE001 - reported, not raised
            checks["event_log"] = f"failed: {error!r}"
        checks["blob_store"] = await _check(rt.blob_store.exists("readyz"))
        checks["search_index"] = await _check(rt.search_index.get("readyz"))
        if rt.embedded:
            checks["processors"] = "ok" if rt.processors_alive() else "failed"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    async def prometheus(request: Request) -> Response:
        """Prometheus exposition, with consumer lag computed at scrape time."""
        await _update_lag(request.app.state.runtime)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


async def _check(probe: Awaitable[object]) -> str:
    """``ok``, or why the probe failed (readiness reports, it does not raise)."""
    try:
        await probe
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return f"failed: {error!r}"
    return "ok"


async def _update_lag(rt: Runtime) -> None:
    """Lag = high-water mark minus the group's (or projection's) committed position."""
    from projections.registry import PROJECTIONS

    for projection in PROJECTIONS.values():
        stored = await rt.read_store.positions(projection.name)
        for topic in projection.topics:
            try:
                ends = await rt.event_log.end_offsets(topic)
            except Exception as error:  # noqa: BLE001 - lag is best effort; the log may be down
                log.warning("consumer lag unavailable for %s: %r", topic, error)
                continue
            lag = sum(end - stored.get((topic, p), 0) for p, end in ends.items())
            metrics.CONSUMER_LAG.labels(projection.group, topic).set(lag)


class _ObserveLatency:
    """Request latency by route template (raw paths would explode the label set).

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self._app(scope, receive, capture)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            metrics.HTTP_LATENCY.labels(scope["method"], route, f"{status // 100}xx").observe(
                time.perf_counter() - started
            )
