"""Where the command API's upload refusals become HTTP statuses: one handler per error type (habit 4).

The ``reason`` in each body is the machine-readable contract (docs/catalog.md lists them); statuses:
413 for sizes, 415 for kinds of file we do not take, 422 for files that are broken, 400/422 for a
malformed request, and the decider's own mapping for a refused ``RegisterTrack``. A command the log
did not take or the decider did not answer in time is a 503 with ``Retry-After``, never a 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, status
from fastapi.responses import JSONResponse, Response

from commands.bus import CommandNotSubmitted, OutcomeTimeout
from commands.dispatch import verdict
from commands.ingest import IngestRejected
from commands.lookups import NotPlayable
from commands.multipart import UploadError
from commands.schemas import Rejection, RetryLater
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


RETRY_AFTER_S = {"timeout": 1, "unavailable": 2}  # taken but undecided: soon; not taken: a broker is away


def retry_later(reason: str, message: str, command_id: str) -> JSONResponse:
    """503 + ``Retry-After``: the client retries the same command (same Idempotency-Key)."""
    body = RetryLater(reason=reason, message=message, command_id=command_id)
    headers = {"Retry-After": str(RETRY_AFTER_S[reason])}
    return JSONResponse(body.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE, headers=headers)


async def _timeout(_: Request, error: Exception) -> Response:
    command_id = str(error)
    return retry_later("timeout", f"no verdict in time for command {command_id}; retry with the same key", command_id)


async def _not_submitted(_: Request, error: Exception) -> Response:
    assert isinstance(error, CommandNotSubmitted)
    return retry_later("unavailable", f"{error}; retry with the same key", error.command_id)


_KIND_OF_STATUS = {404: "not_found", 409: "conflict", 422: "invalid"}


async def _not_playable(request: Request, error: Exception) -> Response:
    """Shaped like the decider's refusals (``Rejection``), which the routes document for these statuses."""
    assert isinstance(error, NotPlayable)
    body = Rejection(
        reason=error.reason,
        kind=_KIND_OF_STATUS[error.status],
        message=str(error),
        details=error.details,
        command_id=getattr(request.state, "command_id", ""),
    )
    return JSONResponse(body.model_dump(), status_code=error.status)


EXCEPTION_HANDLERS: dict[type[Exception], Handler] = {
    MediaError: _media,
    UploadError: _upload,
    IngestRejected: _rejected,
    OutcomeTimeout: _timeout,
    NotPlayable: _not_playable,
    CommandNotSubmitted: _not_submitted,
}
