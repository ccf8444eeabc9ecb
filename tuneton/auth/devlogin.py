"""``tuneton dev-login``: initData for a made-up Telegram user, signed with the local dev bot token.

So the embedded default can be used (and the Mini App opened in a plain browser) without a real bot.
Only in dev mode: the dev bot token is generated into the data dir and means nothing to Telegram.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from tuneton.auth import keys
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.telegram import sign_init_data
from tuneton.settings import Settings

_USERNAME = re.compile(r"[A-Za-z0-9_]{5,32}")
_TELEGRAM_ID_BITS = 52


class DevModeOff(RuntimeError):
    """dev-login was asked for while dev mode is off."""


@dataclass(frozen=True, kw_only=True)
class DevLogin:
    """What ``tuneton dev-login`` prints."""

    user_id: str
    init_data: str
    url: str


def dev_profile(name: str) -> TelegramProfile:
    """A stable made-up Telegram user for ``name`` (digits are taken as the Telegram id itself)."""
    if name.isdigit() and 0 < int(name) < 2**_TELEGRAM_ID_BITS:
        user_id = int(name)
    else:
        user_id = int.from_bytes(hashlib.sha256(name.encode()).digest()[:5], "big") + 1  # 40 bits, never 0
    username = name if _USERNAME.fullmatch(name) else None
    return TelegramProfile(user_id=str(user_id), first_name=name, username=username, language_code="en")


def dev_login(settings: Settings, name: str, *, now: datetime | None = None) -> DevLogin:
    """Signed initData for ``name`` and the Mini App URL that carries it, or ``DevModeOff``."""
    if not settings.dev:
        raise DevModeOff("dev-login needs dev mode (TUNETON_DEV_MODE; it is off on the distributed runtime)")
    profile = dev_profile(name)
    token = keys.bot_token(settings) or keys.dev_bot_token(settings)
    init_data = sign_init_data(profile, bot_token=token, auth_date=now or datetime.now(UTC))
    fragment = urllib.parse.urlencode(
        {"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "web"}, quote_via=urllib.parse.quote
    )
    return DevLogin(
        user_id=profile.user_id, init_data=init_data, url=f"http://{settings.host}:{settings.port}/#{fragment}"
    )
