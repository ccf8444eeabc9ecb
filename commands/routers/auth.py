"""Sign-in: exchange Telegram's proof (Mini App initData or Login Widget data) for our tokens.

The first sign-in registers the listener through the user aggregate with their Telegram profile; later
ones send the same command, and the decider records a change only when the profile changed.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Request
from fastapi.responses import JSONResponse

from commands.deps import BusDep, Call
from commands.dispatch import REJECTION_RESPONSES, dispatch
from tuneton.auth.errors import AuthError
from tuneton.auth.http import AuthenticatorDep
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.schemas import AuthProblem, RefreshRequest, Session
from tuneton.domain.user.commands import RegisterUser

router = APIRouter(
    prefix="/v1/auth",
    tags=["auth"],
    responses={401: {"model": AuthProblem, "description": "Credentials refused (see reason)."}, **REJECTION_RESPONSES},
)
MAX_WIDGET_BODY = 16 * 1024
_WIDGET_EXAMPLE = {"id": 42, "first_name": "John", "username": "john", "auth_date": 1565810688, "hash": "c303…"}


@router.post("/session", response_model=Session)
async def session_from_init_data(
    authenticator: AuthenticatorDep,
    bus: BusDep,
    authorization: Annotated[str | None, Header(description="`tma <Telegram.WebApp.initData>`")] = None,
) -> Session | JSONResponse:
    """Sign in from the Mini App: check the initData, register or refresh the profile, return tokens."""
    scheme, _, raw = (authorization or "").strip().partition(" ")
    if scheme.lower() != "tma" or not raw.strip():
        raise AuthError("malformed_authorization", "send Authorization: tma <initData>")
    return await _signed_in(authenticator, bus, authenticator.init_data(raw.strip()))


@router.post("/login-widget", response_model=Session)
async def session_from_login_widget(
    request: Request,
    authenticator: AuthenticatorDep,
    bus: BusDep,
    _body: Annotated[dict[str, Any], Body(openapi_examples={"widget": {"value": _WIDGET_EXAMPLE}})] | None = None,
) -> Session | JSONResponse:
    """Sign in from a browser with the Telegram Login Widget's fields (each payload works once)."""
    fields = _widget_fields(await request.body())
    return await _signed_in(authenticator, bus, authenticator.login_widget(fields))


@router.post("/refresh", response_model=Session)
async def refresh_session(body: RefreshRequest, authenticator: AuthenticatorDep) -> Session:
    """A new token pair for a refresh token; the old refresh token is spent (rotation)."""
    profile = authenticator.refresh(body.refresh_token)
    return Session.of(authenticator.issue(profile), profile)


async def _signed_in(authenticator: AuthenticatorDep, bus: BusDep, profile: TelegramProfile) -> Session | JSONResponse:
    command = RegisterUser(
        user_id=profile.user_id,
        display_name=profile.display_name,
        username=profile.username,
        language_code=profile.language_code,
        first_name=profile.first_name,
        last_name=profile.last_name,
        photo_url=profile.photo_url,
        is_premium=profile.is_premium,
        from_telegram=True,
    )
    call = Call(bus=bus, user=profile.user_id, command_id=str(uuid.uuid4()))  # sign-in takes no Idempotency-Key
    registered = await dispatch(call, command, aggregate_id=profile.user_id)
    if isinstance(registered, JSONResponse):
        return registered  # the profile itself was refused (e.g. a malformed language code)
    return Session.of(authenticator.issue(profile), profile, registered.consistency_token)


def _widget_fields(raw: bytes) -> dict[str, str]:
    """The widget's fields as text; duplicated keys, nesting and oversized bodies are refused (401)."""
    if len(raw) > MAX_WIDGET_BODY:
        raise AuthError("malformed_login", f"Login Widget data is larger than {MAX_WIDGET_BODY} bytes")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        duplicated = sorted({key for key in keys if keys.count(key) > 1})
        if duplicated:
            raise AuthError("duplicate_field", f"Login Widget data repeats {', '.join(duplicated)}")
        return dict(pairs)

    try:
        data = json.loads(raw, object_pairs_hook=unique)
    except (ValueError, UnicodeDecodeError):
        raise AuthError("malformed_login", "Login Widget data must be a JSON object") from None
    if not isinstance(data, dict):
        raise AuthError("malformed_login", "Login Widget data must be a JSON object")
    fields: dict[str, str] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise AuthError("malformed_login", f"Login Widget field {key!r} must be a string or an integer")
        fields[key] = str(value)
    return fields
