"""The caller's identity as FastAPI dependencies, shared by the command and the query API.

``CurrentUser`` requires a valid identity (401 otherwise); ``OptionalUser`` is ``None`` for anonymous
callers but still 401 for *invalid* credentials, so a broken token never silently reads as anonymous.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, status
from fastapi.responses import JSONResponse, Response

from tuneton.auth.errors import AuthError
from tuneton.auth.service import Authenticator

_CHALLENGE = 'Bearer realm="tuneton", tma realm="tuneton"'


async def get_authenticator(request: Request) -> Authenticator:
    """The process's authenticator (built by the server from settings)."""
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


Authorization = Annotated[str | None, Header(description="`Bearer <access token>` or `tma <Telegram initData>`.")]
DevUser = Annotated[str | None, Header(description="Dev mode only: the trusted user id.")]


def identify(request: Request, authorization: str | None, x_tuneton_user: str | None) -> str | None:
    """The caller's user id, None when they sent no credentials; 401 when what they sent is invalid.

    A plain function rather than a dependency, so a route's one dependency can identify the caller
    without the cost of three more nodes in FastAPI's dependency tree (``commands.deps.command_call``).
    """
    if authorization is None and x_tuneton_user is None:
        return None
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.identify(authorization, x_tuneton_user)


def required(user: str | None) -> str:
    """``user``, or 401 ``missing_credentials`` when the caller sent no credentials."""
    if user is None:
        raise AuthError("missing_credentials", "sign in: send Authorization: Bearer <token> or tma <initData>")
    return user


def holds_admin(request: Request, user: str) -> bool:
    """Whether ``user`` may change anybody's tracks (``TUNETON_ADMIN_IDS``)."""
    return user in request.app.state.settings.admin_ids


async def optional_user(
    request: Request, authorization: Authorization = None, x_tuneton_user: DevUser = None
) -> str | None:
    """The caller's user id, None when they sent no credentials; 401 when what they sent is invalid."""
    return identify(request, authorization, x_tuneton_user)


async def current_user(user: Annotated[str | None, Depends(optional_user)]) -> str:
    """The caller's user id; 401 without valid credentials."""
    return required(user)


async def auth_error_response(_: Request, error: Exception) -> Response:
    """401 with the reason, and the challenge RFC 9110 requires on every 401."""
    assert isinstance(error, AuthError)
    challenge = f'{_CHALLENGE}, error="{error.reason}"'
    return JSONResponse(
        {"detail": error.message, "reason": error.reason},
        status_code=status.HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": challenge},
    )


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]
CurrentUser = Annotated[str, Depends(current_user)]
OptionalUser = Annotated[str | None, Depends(optional_user)]
