"""The Mini App at ``/``: its built files, ``/config.json``, and ``index.html`` for client-side routes.

The app routes on the History API (``/playlist/<id>``, ``/now``), so any path that is not the API and
not a built file answers ``index.html``; unknown ``/v1/...`` paths stay JSON 404s. Hashed assets under
``assets/`` are immutable; ``index.html`` is revalidated so a new build is picked up at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import HTTPException, status
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.convertors import Convertor, register_url_convertor

if TYPE_CHECKING:
    from fastapi import FastAPI

    from tuneton.settings import Settings

_IMMUTABLE = "public, max-age=31536000, immutable"
_NOT_BUILT = (
    "<!doctype html><title>tuneTON</title><h1>The Mini App is not built</h1>"
    "<p>Run <code>make run</code> (or <code>bash scripts/build-miniapp.sh</code>)."
    " The API is at <a href=/docs>/docs</a>.</p>"
)


class _NotApi(Convertor[str]):
    """Any path outside ``/v1``: API paths never reach the fallback, so their 404s and 405s stay the API's."""

    regex = "(?!v1(?:/|$)).*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("not_api", _NotApi())


def resolve(root: Path, path: str) -> Path | None:
    """The built file ``path`` names inside ``root``, or None (missing, a directory, or outside ``root``)."""
    candidate = (root / path).resolve()
    if not candidate.is_relative_to(root.resolve()) or not candidate.is_file():
        return None
    return candidate


def mount_miniapp(app: FastAPI, settings: Settings) -> None:
    """Add the Mini App's routes; call after every API router, since the fallback matches any path."""
    root = settings.miniapp_root
    share = {"telegram_bot_username": settings.telegram_bot_username,
             "telegram_miniapp_name": settings.telegram_miniapp_name}  # fmt: skip

    @app.get("/config.json", include_in_schema=False)
    async def app_config() -> dict[str, str]:
        """What the app needs to build share links (``t.me/<bot>/<app>?startapp=...``)."""
        return share

    @app.api_route("/{path:not_api}", methods=["GET", "HEAD"], include_in_schema=False)
    async def miniapp(path: str) -> Response:
        """A built file, or ``index.html`` for a client route."""
        found = resolve(root, path) if path else None
        if found is not None:
            cache = _IMMUTABLE if path.startswith("assets/") else "no-cache"
            return FileResponse(found, headers={"Cache-Control": cache})
        if "." in path.rsplit("/", 1)[-1]:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {path!r}")
        index = resolve(root, "index.html")
        if index is None:
            return HTMLResponse(_NOT_BUILT, status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
