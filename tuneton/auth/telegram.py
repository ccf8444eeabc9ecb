"""Mini App ``initData`` checks, by bot token (HMAC-SHA256) or by Telegram's Ed25519 signature.

The algorithms are Telegram's (core.telegram.org/bots/webapps, "Validating data received via the Mini
App"); the parsing and the checks are init-data-py's, which refuses duplicated fields, compares in
constant time and keeps ``signature`` inside the HMAC data-check string as Telegram specifies. This
module only maps its verdicts onto our reasons and its user onto ``TelegramProfile``; the unit tests
hold both against the public vectors and against an independent implementation written from the spec.
"""

from __future__ import annotations

from datetime import datetime

import init_data_py
from init_data_py import errors

from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile

# init-data-py's error classes, most specific first, and the reason each becomes
_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (errors.DuplicateFieldError, "duplicate_field"),
    (errors.MissingFieldError, "missing_field"),
    (errors.ParseError, "malformed_init_data"),
    (errors.HashInvalidError, "bad_hash"),
    (errors.SignatureMissingError, "missing_signature"),
    (errors.SignatureInvalidError, "bad_signature"),
    (errors.ExpiredError, "expired"),
)


def check_init_data(raw: str, *, bot_token: str, max_age_s: int, now: datetime | None = None) -> TelegramProfile:
    """The user of ``raw`` initData if its ``hash`` is the bot token's HMAC and ``auth_date`` is recent enough."""
    try:
        data = init_data_py.validate_by_hash(raw, bot_token, expires_in=max_age_s, now=now)
    except errors.InvalidInitDataError as error:
        raise _refused(error) from None
    return _profile(data)


def check_init_data_signature(
    raw: str, *, bot_id: int, public_key: str, max_age_s: int, now: datetime | None = None
) -> TelegramProfile:
    """Third-party check: ``signature`` is Telegram's Ed25519 signature for ``bot_id`` (no bot token needed)."""
    try:
        data = init_data_py.validate_by_signature(raw, bot_id, public_key=public_key, expires_in=max_age_s, now=now)
    except errors.InvalidInitDataError as error:
        raise _refused(error) from None
    return _profile(data)


def sign_init_data(profile: TelegramProfile, *, bot_token: str, auth_date: datetime) -> str:
    """initData for ``profile`` signed with ``bot_token`` (dev-login and tests; Telegram signs real ones)."""
    user = init_data_py.User(
        id=int(profile.user_id),
        first_name=profile.first_name,
        last_name=profile.last_name,
        username=profile.username,
        language_code=profile.language_code,
        is_premium=profile.is_premium or None,
        photo_url=profile.photo_url,
    )
    return init_data_py.sign(init_data_py.UnsignedInitData(user=user), bot_token, auth_date=auth_date)


def _profile(data: init_data_py.InitData) -> TelegramProfile:
    user = data.user
    if user is None:
        raise AuthError("missing_field", "initData carries no user (opened outside a private chat context?)")
    return TelegramProfile(
        user_id=str(user.id),
        first_name=user.first_name,
        last_name=user.last_name or None,
        username=user.username or None,
        photo_url=user.photo_url or None,
        language_code=user.language_code or None,
        is_premium=bool(user.is_premium),
    )


def _refused(error: Exception) -> AuthError:
    reason = next((name for kind, name in _REASONS if isinstance(error, kind)), "invalid_init_data")
    return AuthError(reason, f"initData refused: {error}")
