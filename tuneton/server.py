"""The HTTP process: command API + query API + health and metrics, around one Runtime.

In the embedded default the same process also runs the processors; in the distributed runtime it is
stateless and can be scaled out behind the gateway.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import uvicorn
from fastapi import Depends, FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commands.bus import CommandBus
from commands.fast_path import FastCommands
from commands.ingest import DuplicateFinder, IngestService, clear_leftovers
from commands.ingest_steps import MediaSteps
from commands.main import EXCEPTION_HANDLERS, streams_own_body
from commands.main import ROUTERS as COMMAND_ROUTERS
from commands.staging import BlobClaims
from commands.track_access import TrackAccess
from query_api.main import ROUTERS as QUERY_ROUTERS
from query_api.stream_cap import stream_gate
from tuneton.auth.errors import AuthError
from tuneton.auth.http import auth_error_response
from tuneton.auth.media_urls import MediaUrlSigner, load_keys
from tuneton.auth.rate_key import router as rate_key_router
from tuneton.auth.service import build_authenticator
from tuneton.availability import StoreUnavailable
from tuneton.bootstrap import Runtime
from tuneton.http_unavailable import UNAVAILABLE_RESPONSES, store_unavailable
from tuneton.observability import metrics
from tuneton.process import ProcessorsHost, running
from tuneton.settings import Settings
from tuneton.web.body_limit import BodyLimit
from tuneton.web.header_limit import HeaderLimit
from tuneton.web.methods import method_not_allowed
from tuneton.web.nul import refuse_nul
from tuneton.web.responses import EVERY_ROUTE
from tuneton.web.validation import validation_failed
from tuneton.webapp import mount_miniapp

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the ASGI app; adapters start in the lifespan, not here."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.media_offload == "x-accel" and settings.runtime != "embedded":
            msg = "media_offload=x-accel needs blobs on disk (the embedded runtime); use presigned with S3"
            raise ValueError(msg)
        app.state.media_urls = media_url_signer(settings)
        worker = runtime is None and settings.embedded_processors == "worker"
        async with running(settings, runtime=runtime, worker=worker) as live:
            rt, bus = live.runtime, live.bus
            app.state.runtime, app.state.command_bus, app.state.read_store = rt, bus, rt.read_store
            app.state.processors = live.processors
            app.state.blob_store, app.state.search_index = rt.blob_store, rt.search_index
            app.state.blob_claims, app.state.ingest = BlobClaims(), ingest_service(rt, bus)
            app.state.track_access = TrackAccess(rt.read_store, settings.track_access_cache_rows)
            clear_leftovers(settings.upload_dir)
            log.info("tuneton serving", extra={"runtime": settings.runtime, "data_dir": str(settings.data_dir)})
            try:
                yield
            finally:
                app.state.track_access.close()

    app = FastAPI(
        title="tuneTON API",
        version="0.1.0",
        description="Commands go to the event log and return the decider's verdict; queries read the read models.",
        lifespan=lifespan,
        # FastAPI's native OpenTelemetry asks OpenTelemetry's global providers on every request whether
        # one is configured, and each ask reads os.environ: 5-13 us per request here (BENCHMARKS.md,
        # benchmarks/native_telemetry.py). tuneTON exports Prometheus metrics and JSON logs, not OTel.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.stream_gate = stream_gate(settings.max_streams_per_user, settings.stream_linger_s)
    app.state.authenticator = build_authenticator(settings)  # reads (dev: creates) the secrets; bad config fails here
    app.add_exception_handler(AuthError, auth_error_response)
    for error, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(error, handler)
    app.add_exception_handler(StoreUnavailable, store_unavailable)
    app.add_exception_handler(RequestValidationError, validation_failed)
    app.add_exception_handler(status.HTTP_405_METHOD_NOT_ALLOWED, method_not_allowed)
    no_nul = [Depends(refuse_nul)]  # PostgreSQL text cannot hold U+0000: refused alike on both runtimes
    # Routes are tried in order, each at a cost of microseconds (FastAPI >= 0.137 resolves included
    # routers per request): the probes a load balancer calls every second go first.
    _health_routes(app)
    for api_router in (*COMMAND_ROUTERS, *QUERY_ROUTERS):
        app.include_router(api_router, responses={**UNAVAILABLE_RESPONSES, **EVERY_ROUTE}, dependencies=no_nul)
    app.include_router(rate_key_router)
    if settings.command_fast_path:  # innermost: inside the limits and the latency metric
        app.add_middleware(FastCommands, routers=COMMAND_ROUTERS)
    app.add_middleware(BodyLimit, limit_for=_body_limits(settings))
    app.add_middleware(HeaderLimit, max_bytes=settings.header_max_bytes)
    app.add_middleware(_ObserveLatency)
    mount_miniapp(app, settings)  # last: its fallback answers any path the API does not
    return app


def uvicorn_config(settings: Settings) -> uvicorn.Config:
    """How ``tuneton serve`` runs the app.

    X-Forwarded-For / -Proto are believed only from ``trusted_proxies`` (the gateway), so a client
    that reaches the app directly cannot choose the address that logs and limits see.
    """
    return uvicorn.Config(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
    )


def media_url_signer(settings: Settings) -> MediaUrlSigner:
    """The signer of media URLs; a key file is generated only at the default path (one embedded process)."""
    keys = load_keys(settings.media_keys_path, create=settings.media_url_keys_file is None)
    return MediaUrlSigner(keys, ttl_s=settings.media_url_ttl_s, granularity_s=settings.media_url_granularity_s)


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
    @app.get("/healthz", tags=["operations"], responses=UNAVAILABLE_RESPONSES)
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers (through the gateway, 503 when it does not)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], responses={503: {"description": "Not ready."}})
    async def readyz(request: Request) -> JSONResponse:
        """Readiness: read store, log, blob store and search index answer; embedded processors are alive.

        Each probe gets ``READY_PROBE_S``: a broker that is away makes a client wait for its request
        timeout (30 s), and a probe that hangs that long says nothing a load balancer can use.
        """
        rt: Runtime = request.app.state.runtime
        checks: dict[str, str] = {"read_store": await _check(rt.read_store.fetch_all("SELECT 1 AS one", {}))}
        checks["event_log"] = await _check(_log_ready(rt))
        checks["blob_store"] = await _check(rt.blob_store.exists("readyz"))
        checks["search_index"] = await _check(rt.search_index.get("readyz"))
        processors: ProcessorsHost | None = request.app.state.processors
        if processors is not None:
            checks["processors"] = "ok" if processors.alive() else "failed"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    # Not in the API document: the gateway does not expose it (operators scrape the process directly).
    @app.get("/metrics", tags=["operations"], response_class=Response, include_in_schema=False)
    async def prometheus(request: Request) -> Response:
        """Prometheus exposition, with consumer lag computed at scrape time."""
        await _update_lag(request.app.state.runtime)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


READY_PROBE_S = 3.0  # a probe that hangs longer (a store that does not answer) counts as failed


async def _check(probe: Awaitable[object]) -> str:
    """``ok``, or why the probe failed (readiness reports, it does not raise), within READY_PROBE_S."""
    try:
        async with asyncio.timeout(READY_PROBE_S):
            await probe
    except TimeoutError:
        return f"failed: no answer within {READY_PROBE_S:g}s"
    except Exception as error:  # noqa: BLE001 - reported, not raised
        return f"failed: {error!r}"
    return "ok"


async def _log_ready(rt: Runtime) -> None:
    """The log answers a metadata request and can take an append (a retired producer is restarted here)."""
    await rt.event_log.check_writable()
    await rt.event_log.end_offsets("tuneton.commands")


async def _update_lag(rt: Runtime) -> None:
    """Lag = log end minus the projection's stored next offset (PostgreSQL / SQLite), per topic.

    Projector positions live in the read store, in the transaction that applied the rows; the
    consumer group's Kafka offsets are only where a restarted consumer starts reading again.
    """
    from projections.registry import PROJECTIONS

    for projection in PROJECTIONS.values():
        try:
            stored = await rt.read_store.positions(projection.name)
        except StoreUnavailable as error:  # the scrape still answers; the gauges keep their last values
            log.warning("consumer lag unavailable: %s", error)
            return
        for topic in projection.topics:
            try:
                ends = await rt.event_log.end_offsets(topic)
            except Exception as error:  # noqa: BLE001 - lag is best effort; the log may be down
                log.warning("consumer lag unavailable for %s: %r", topic, error)
                continue
            lag = sum(end - stored.get((topic, p), 0) for p, end in ends.items())
            metrics.CONSUMER_LAG.labels(projection.group, topic).set(lag)
            metrics.PROJECTOR_POSITION.labels(projection.group, topic).set(
                sum(offset for (t, _), offset in stored.items() if t == topic)
            )


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
