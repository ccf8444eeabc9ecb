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


async def optional_user(
    authenticator: Annotated[Authenticator, Depends(get_authenticator)],
    authorization: Annotated[
        str | None, Header(description="`Bearer <access token>` or `tma <Telegram initData>`.")
    ] = None,
    x_tuneton_user: Annotated[str | None, Header(description="Dev mode only: the trusted user id.")] = None,
) -> str | None:
    """The caller's user id, None when they sent no credentials; 401 when what they sent is invalid."""
    if authorization is None and x_tuneton_user is None:
        return None
    return authenticator.identify(authorization, x_tuneton_user)


async def current_user(user: Annotated[str | None, Depends(optional_user)]) -> str:
    """The caller's user id; 401 without valid credentials."""
    if user is None:
        raise AuthError("missing_credentials", "sign in: send Authorization: Bearer <token> or tma <initData>")
    return user


async def is_admin(request: Request, user: Annotated[str, Depends(current_user)]) -> bool:
    """Whether the caller may change anybody's tracks (``TUNETON_ADMIN_IDS``)."""
    return user in request.app.state.settings.admin_ids


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
AdminDep = Annotated[bool, Depends(is_admin)]
