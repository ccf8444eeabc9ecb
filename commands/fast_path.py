"""Well-formed commands served without FastAPI's per-request machinery; everything else as before.

Why: the backbone benchmark's *edge only* phase (BENCHMARKS.md, fourteenth session) showed the serving
process's one core saturated by the HTTP edge alone at 1,459-2,338 command requests/s, below issue 12's
2,500/s however cheap the backbone. Most of that edge is FastAPI deriving, on every request, what the
route's declaration already fixes: walking the routers, solving the dependency tree parameter by
parameter, validating the body through a generic field, checking the answer against the response model.

How, without a second implementation of any route: at startup each command route whose endpoint takes
only a ``Request``, path parameters, one JSON body model and the :data:`~commands.deps.CommandCall` gets
a :class:`_Plan` built from FastAPI's own analysis of it (``route.dependant``). A request that the plan
can take in full (the route's method and path regex, ``Authorization: Bearer``, a JSON content type, no
query string, no U+0000, path parameters and body that validate) is answered by calling the route's own
endpoint with the parsed arguments and serializing its return value with FastAPI's own
``serialize_response``; its exceptions go to the app's exception handlers, as FastAPI would send them.
The caller and the command id come from the route's own dependency, ``command_call``, called directly.
Every other request (another credential, a bad Idempotency-Key, a body that does not validate, a dev
user header, NUL) continues to FastAPI unchanged, its body replayed, and gets the documented answer from
the same code as always: what this module decides before it calls the endpoint is side-effect free.
The routes, their OpenAPI document and their errors stay FastAPI's; ``tests/integration/test_fast_path.py``
checks that the two paths answer alike.

Hand-written because no library serves a subset of a FastAPI app's routes this way.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException
from fastapi.datastructures import DefaultPlaceholder
from fastapi.routing import APIRoute, APIRouter, serialize_response
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from commands.deps import command_call
from tuneton.auth.errors import AuthError

_JSON = b"application/json"


@dataclass(frozen=True, slots=True)
class _Plan:
    """What one route needs from a request, fixed at startup."""

    route: APIRoute
    method: str
    path_params: Sequence[Any]  # FastAPI's ModelFields of the path parameters
    body: tuple[str, type[BaseModel]] | None  # the body parameter's name and model
    call_name: str
    request_name: str | None
    dump_json: bool


def plans_for(routers: Sequence[APIRouter]) -> list[_Plan]:
    """A plan for every route of ``routers`` this module can serve, in FastAPI's matching order."""
    return [plan for router in routers for route in router.routes if (plan := _plan(route)) is not None]


def _plan(route: object) -> _Plan | None:
    """The route's plan, or None when its endpoint takes anything this module does not parse."""
    if not isinstance(route, APIRoute) or not route.methods or len(route.methods) != 1:
        return None
    if not inspect.iscoroutinefunction(route.endpoint):
        return None
    dependant = route.dependant
    unsupported = (
        dependant.query_params,
        dependant.header_params,
        dependant.cookie_params,
        dependant.response_param_name,
        dependant.background_tasks_param_name,
        dependant.http_connection_param_name,
        dependant.security_scopes_param_name,
    )
    if any(unsupported) or len(dependant.body_params) > 1 or len(dependant.dependencies) != 1:
        return None
    call = dependant.dependencies[0]
    if call.call is not command_call or call.name is None:
        return None
    body = None
    if dependant.body_params:
        field = dependant.body_params[0]
        model = field.field_info.annotation
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or getattr(field.field_info, "embed", False):
            return None
        body = (field.name, model)
    return _Plan(
        route=route,
        method=next(iter(route.methods)),  # one, checked above
        path_params=dependant.path_params,
        body=body,
        call_name=call.name,
        request_name=dependant.request_param_name,
        dump_json=route.response_field is not None and isinstance(route.response_class, DefaultPlaceholder),
    )


class _Fallthrough(Exception):  # control flow, not an error: FastAPI answers instead
    """The request goes on to FastAPI."""


class FastCommands:
    """ASGI middleware serving well-formed requests of the planned routes (module doc)."""

    def __init__(self, app: ASGIApp, *, routers: Sequence[APIRouter]) -> None:
        self._app = app
        self.served = 0  # requests this path answered (the tests check which path answered)
        self._plans: dict[str, list[_Plan]] = {}
        for plan in plans_for(routers):
            self._plans.setdefault(plan.method, []).append(plan)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plans = self._plans.get(scope["method"]) if scope["type"] == "http" else None
        if not plans or _unusual(scope):
            await self._app(scope, receive, send)
            return
        for plan in plans:
            match = plan.route.path_regex.match(scope["path"])
            if match is not None:
                break
        else:
            await self._app(scope, receive, send)
            return
        headers = _headers(scope)
        authorization = headers.get(b"authorization", b"")
        if b"x-tuneton-user" in headers or authorization[:7].lower() != b"bearer ":
            await self._app(scope, receive, send)
            return
        if plan.body is not None and headers.get(b"content-type") != _JSON:
            await self._app(scope, receive, send)
            return
        body = _Body(receive)
        try:
            raw = await body.read() if plan.body is not None else b""
            request = Request(scope, body.replay)
            arguments = await self._arguments(plan, request, match, headers, raw)
        except (_Fallthrough, AuthError, HTTPException):  # HTTPException: also BodyLimit's 413, raised again
            await self._app(scope, body.replay, send)
            return
        scope["route"] = plan.route  # the latency metric's label, as FastAPI's router sets it
        response = await self._answer(plan, request, arguments)
        self.served += 1
        await response(scope, body.replay, send)

    async def _arguments(
        self, plan: _Plan, request: Request, match: re.Match[str], headers: dict[bytes, bytes], raw: bytes
    ) -> dict[str, Any]:
        """The endpoint's arguments; ``_Fallthrough``, ``AuthError`` or ``HTTPException`` (a bad
        Idempotency-Key) for anything FastAPI should answer."""
        if b"\x00" in raw or b"u0000" in raw.lower():  # refuse_nul's 422 comes from FastAPI
            raise _Fallthrough
        arguments: dict[str, Any] = {}
        convertors = plan.route.param_convertors
        path_params = {name: convertors[name].convert(text) for name, text in match.groupdict().items()}
        for field in plan.path_params:
            value, errors = field.validate(path_params[field.name], {}, loc=("path", field.alias))
            if errors:
                raise _Fallthrough
            arguments[field.name] = value
        request.scope["path_params"] = path_params  # as Starlette's router sets them for a match
        if plan.body is not None:
            name, model = plan.body
            try:
                arguments[name] = model.model_validate_json(raw)
            except ValidationError:
                raise _Fallthrough from None
        key = headers.get(b"idempotency-key")
        arguments[plan.call_name] = await command_call(
            request,
            authorization=headers[b"authorization"].decode("latin-1"),
            idempotency_key=key.decode("latin-1") if key is not None else None,
        )
        if plan.request_name is not None:
            arguments[plan.request_name] = request
        return arguments

    async def _answer(self, plan: _Plan, request: Request, arguments: dict[str, Any]) -> Response:
        """The endpoint's answer as FastAPI would send it (its exceptions through the app's handlers)."""
        route = plan.route
        try:
            returned = await route.endpoint(**arguments)
        except Exception as error:  # handed to the handler FastAPI would use, else re-raised
            handler = _handler_for(request.app.exception_handlers, error)
            if handler is None:
                raise
            answer = handler(request, error)
            return await answer if inspect.isawaitable(answer) else answer  # type: ignore[no-any-return]
        if isinstance(returned, Response):
            return returned
        content = await serialize_response(
            field=route.response_field,
            response_content=returned,
            include=route.response_model_include,
            exclude=route.response_model_exclude,
            by_alias=route.response_model_by_alias,
            exclude_unset=route.response_model_exclude_unset,
            exclude_defaults=route.response_model_exclude_defaults,
            exclude_none=route.response_model_exclude_none,
            dump_json=plan.dump_json,
        )
        status = route.status_code or 200
        if plan.dump_json:
            return Response(content=content, media_type="application/json", status_code=status)
        response_class = route.response_class
        cls = response_class.value if isinstance(response_class, DefaultPlaceholder) else response_class
        return cls(content, status_code=status)


def _unusual(scope: Scope) -> bool:
    """A query string (refuse_nul reads it), a root path, U+0000 in the path, or replaced dependencies
    (``app.dependency_overrides``, which only FastAPI applies): FastAPI answers."""
    overridden = getattr(scope.get("app"), "dependency_overrides", None)
    return bool(scope["query_string"] or scope.get("root_path") or "\x00" in scope["path"] or overridden)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name (uvicorn sends them lower-cased); the first of repeats."""
    found: dict[bytes, bytes] = {}
    for name, value in scope["headers"]:
        found.setdefault(name, value)
    return found


def _handler_for(handlers: dict[Any, Callable[..., Any]], error: Exception) -> Callable[..., Any] | None:
    """The handler Starlette's ExceptionMiddleware would pick: by status code, then by class."""
    if isinstance(error, StarletteHTTPException) and error.status_code in handlers:
        return handlers[error.status_code]
    return next((handlers[cls] for cls in type(error).__mro__ if cls in handlers), None)


class _Body:
    """The request body read once; ``replay`` gives it again, then reads on (for FastAPI, or a disconnect)."""

    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._chunks: list[bytes] = []
        self._complete = False
        self._replayed = False

    async def read(self) -> bytes:
        more = True
        while more:
            message = await self._receive()
            if message["type"] != "http.request":  # a disconnect: FastAPI meets it too
                raise _Fallthrough
            self._chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        self._complete = True
        return b"".join(self._chunks)

    async def replay(self) -> Message:
        if not self._replayed and (self._chunks or self._complete):
            self._replayed = True
            return {"type": "http.request", "body": b"".join(self._chunks), "more_body": not self._complete}
        return await self._receive()
