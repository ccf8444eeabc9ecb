"""Telegram Login Widget check, for signing in from a browser outside Telegram.

Telegram's algorithm (core.telegram.org/widgets/login, "Checking authorization"): the data-check
string is every received field but ``hash``, sorted, ``key=value`` joined by ``\\n``; the key is
``SHA256(bot_token)``; the payload is genuine when ``hex(HMAC_SHA256(key, string)) == hash``, compared
in constant time. The payload is the same on every use, so the caller also refuses replays.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from collections.abc import Mapping

from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile

_HEX64 = re.compile(r"[0-9a-f]{64}")
_DIGITS = re.compile(r"[0-9]{1,19}")
_REQUIRED = ("id", "first_name", "auth_date", "hash")
_MAX_FIELD = 2048


def data_check_string(fields: Mapping[str, str]) -> str:
    """The string Telegram signs: every field but ``hash``, sorted by name, ``key=value`` per line."""
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields) if key != "hash")


def widget_hash(fields: Mapping[str, str], *, bot_token: str) -> str:
    """The hash Telegram puts on ``fields`` for the bot with ``bot_token``."""
    secret = hashlib.sha256(bot_token.encode()).digest()
    return hmac.new(secret, data_check_string(fields).encode(), hashlib.sha256).hexdigest()


def check_login_widget(
    fields: Mapping[str, str], *, bot_token: str, max_age_s: int, now: float | None = None
) -> TelegramProfile:
    """The signed-in user, if ``fields`` (values as text) carry the bot's hash and a recent ``auth_date``."""
    missing = [name for name in _REQUIRED if not fields.get(name)]
    if missing:
        raise AuthError("missing_field", f"Login Widget data lacks {', '.join(missing)}")
    if any(len(value) > _MAX_FIELD for value in fields.values()):
        raise AuthError("malformed_login", f"a Login Widget field is longer than {_MAX_FIELD} characters")
    given = fields["hash"].lower()
    if not _HEX64.fullmatch(given) or not _DIGITS.fullmatch(fields["auth_date"]) or not _DIGITS.fullmatch(fields["id"]):
        raise AuthError("malformed_login", "id and auth_date must be integers, hash 64 hex digits")
    if not hmac.compare_digest(widget_hash(fields, bot_token=bot_token), given):
        raise AuthError("bad_hash", "the Login Widget hash does not match this bot")
    age = (time.time() if now is None else now) - int(fields["auth_date"])
    if max_age_s > 0 and age > max_age_s:
        raise AuthError("expired", f"auth_date is {int(age)} s old (at most {max_age_s} s)")
    return TelegramProfile(
        user_id=fields["id"],
        first_name=fields["first_name"],
        last_name=fields.get("last_name") or None,
        username=fields.get("username") or None,
        photo_url=fields.get("photo_url") or None,
    )
