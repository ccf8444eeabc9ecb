"""405 answers that say which methods the path takes (``Allow``, RFC 9110 §15.5.6).

Starlette answers 405 from the first route whose path matches; a path served by several routes
(``GET`` in the query API, ``PATCH``/``DELETE`` in the command API; ``GET`` and ``HEAD`` declared
apart for unique operation ids) got an ``Allow`` naming one route's methods, or none.
"""

from __future__ import annotations

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response
from starlette.routing import Match

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app fully matches at this request's path.

    Asks each top-level route (included routers too) through the public ``matches`` with the method
    swapped, so nested routers need no knowledge of how FastAPI stores them.
    """
    routes = request.app.router.routes
    return [m for m in METHODS if any(r.matches({**request.scope, "method": m})[0] is Match.FULL for r in routes)]


async def method_not_allowed(request: Request, _: Exception) -> Response:
    """405 with the path's complete ``Allow`` header (registered for status 405)."""
    allow = ", ".join(allowed_methods(request))
    return JSONResponse(
        {"detail": f"{request.method} is not allowed here; allowed: {allow}"},
        status_code=status.HTTP_405_METHOD_NOT_ALLOWED,
        headers={"Allow": allow},
    )
