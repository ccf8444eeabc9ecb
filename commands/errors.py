"""Where the command API's upload refusals become HTTP statuses: one handler per error type (habit 4).

The ``reason`` in each body is the machine-readable contract (docs/catalog.md lists them); statuses:
413 for sizes, 415 for kinds of file we do not take, 422 for files that are broken, 400/422 for a
malformed request, and the decider's own mapping for a refused ``RegisterTrack``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response

from commands.bus import OutcomeTimeout
from commands.dispatch import verdict
from commands.ingest import IngestRejected
from commands.lookups import NotPlayable
from commands.multipart import UploadError
from tuneton.media.errors import MediaError, MediaTooLarge, TagTooLarge, UnsupportedMedia

Handler = Callable[[Request, Exception], Awaitable[Response]]


def media_status(error: MediaError) -> int:
    """The status code for a refused file."""
    if isinstance(error, MediaTooLarge | TagTooLarge):
        return status.HTTP_413_CONTENT_TOO_LARGE
    if isinstance(error, UnsupportedMedia):
        return status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    return status.HTTP_422_UNPROCESSABLE_CONTENT


async def _media(_: Request, error: Exception) -> Response:
    assert isinstance(error, MediaError)
    return JSONResponse(error.as_dict(), status_code=media_status(error))


async def _upload(_: Request, error: Exception) -> Response:
    assert isinstance(error, UploadError)
    return JSONResponse(error.as_dict(), status_code=error.status)


async def _rejected(_: Request, error: Exception) -> Response:
    assert isinstance(error, IngestRejected)
    answer = verdict(error.outcome)
    assert isinstance(answer, JSONResponse)
    return answer


async def _timeout(_: Request, error: Exception) -> Response:
    body = {"reason": "timeout", "message": f"no verdict in time for command {error}; retry with the same key"}
    return JSONResponse(body, status_code=status.HTTP_504_GATEWAY_TIMEOUT)


async def _not_playable(_: Request, error: Exception) -> Response:
    assert isinstance(error, NotPlayable)
    body = {"reason": error.reason, "message": str(error), "details": error.details}
    return JSONResponse(body, status_code=error.status)


EXCEPTION_HANDLERS: dict[type[Exception], Handler] = {
    MediaError: _media,
    UploadError: _upload,
    IngestRejected: _rejected,
    OutcomeTimeout: _timeout,
    NotPlayable: _not_playable,
}
