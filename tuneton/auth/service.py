"""Turn credentials into a user id: ``Authorization: Bearer``/``tma``, or the dev header in dev mode.

Which credential is checked how (docs/auth.md):

* ``Bearer <access token>``: our own JWT (``tokens``), the usual case after a sign-in;
* ``tma <initData>``: Telegram's Mini App data, checked with the bot token (HMAC) or, when only the
  bot id is configured, with Telegram's Ed25519 signature; ``auth_date`` at most ``init_data_max_age_s`` old;
* ``X-Tuneton-User: <name>``: trusted as is, only in dev mode (never on the distributed runtime).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from tuneton.auth import keys
from tuneton.auth.errors import AuthError, AuthNotConfigured
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.replay import ReplayGuard
from tuneton.auth.telegram import check_init_data, check_init_data_signature
from tuneton.auth.tokens import TokenPair, TokenService
from tuneton.auth.widget import check_login_widget
from tuneton.settings import Settings

MAX_DEV_USER = 64
_UNBOUNDED_S = 366 * 86_400


@dataclass(frozen=True, kw_only=True)
class TelegramChecks:
    """How Telegram credentials are checked on this deployment."""

    bot_token: str | None
    bot_id: int | None
    public_key: str
    init_data_max_age_s: int
    login_widget_max_age_s: int


class Authenticator:
    """The one place that decides who a caller is."""

    def __init__(self, *, tokens: TokenService, telegram: TelegramChecks, dev_mode: bool) -> None:
        self.tokens = tokens
        self._telegram = telegram
        self.dev_mode = dev_mode
        self._used = ReplayGuard()

    def identify(self, authorization: str | None, dev_user: str | None) -> str:
        """The caller's user id, or ``AuthError`` naming why not."""
        if authorization is not None:
            scheme, _, value = authorization.strip().partition(" ")
            value = value.strip()
            if not value:
                raise AuthError("malformed_authorization", "Authorization must be 'Bearer <token>' or 'tma <initData>'")
            match scheme.lower():
                case "bearer":
                    return self.tokens.user_of(value)
                case "tma":
                    return self.init_data(value).user_id
                case _:
                    raise AuthError("unsupported_scheme", f"unsupported Authorization scheme {scheme!r}")
        if dev_user is not None:
            return self._dev_user(dev_user)
        raise AuthError("missing_credentials", "sign in: send Authorization: Bearer <token> or tma <initData>")

    def init_data(self, raw: str) -> TelegramProfile:
        """The Telegram user of Mini App initData, checked by bot token or, without one, by signature."""
        checks = self._telegram
        if checks.bot_token is not None:
            return check_init_data(raw, bot_token=checks.bot_token, max_age_s=checks.init_data_max_age_s)
        if checks.bot_id is not None:
            return check_init_data_signature(
                raw, bot_id=checks.bot_id, public_key=checks.public_key, max_age_s=checks.init_data_max_age_s
            )
        raise AuthNotConfigured(
            "auth_not_configured", "this deployment has no bot token or bot id for Telegram sign-in"
        )

    def login_widget(self, fields: Mapping[str, str]) -> TelegramProfile:
        """The Telegram user of a Login Widget payload; each payload signs in once."""
        checks = self._telegram
        if checks.bot_token is None:
            raise AuthNotConfigured("auth_not_configured", "the Login Widget needs the bot token")
        max_age = checks.login_widget_max_age_s
        profile = check_login_widget(fields, bot_token=checks.bot_token, max_age_s=max_age)
        # remembered while it could still be accepted (without a maximum age: a year from now)
        horizon = int(fields["auth_date"]) + max_age if max_age > 0 else time.time() + _UNBOUNDED_S
        self._used.use(f"widget:{fields['hash'].lower()}", expires_at=horizon)
        return profile

    def refresh(self, refresh_token: str) -> TelegramProfile:
        """The user of a refresh token; each refresh token is good for one refresh (rotation)."""
        claims = self.tokens.refresh_claims(refresh_token)
        self._used.use(f"refresh:{claims.jti}", expires_at=claims.expires_at)
        return claims.profile

    def issue(self, profile: TelegramProfile) -> TokenPair:
        """Tokens for a user who just proved who they are."""
        return self.tokens.issue(profile)

    def _dev_user(self, name: str) -> str:
        if not self.dev_mode:
            raise AuthError("dev_mode_off", "X-Tuneton-User is only trusted in dev mode; sign in with Telegram")
        if not name or len(name) > MAX_DEV_USER or not name.isascii() or not name.isprintable():
            raise AuthError("malformed_dev_user", f"X-Tuneton-User must be 1-{MAX_DEV_USER} printable ASCII characters")
        return name


def build_authenticator(settings: Settings) -> Authenticator:
    """The authenticator for ``settings`` (reads or, in dev mode, generates the secrets)."""
    signing, active = keys.signing_keys(settings)
    tokens = TokenService(
        signing, active_kid=active, access_ttl_s=settings.access_token_ttl_s, refresh_ttl_s=settings.refresh_token_ttl_s
    )
    telegram = TelegramChecks(
        bot_token=keys.bot_token(settings),
        bot_id=settings.bot_id,
        public_key=settings.telegram_public_key,
        init_data_max_age_s=settings.init_data_max_age_s,
        login_widget_max_age_s=settings.login_widget_max_age_s,
    )
    return Authenticator(tokens=tokens, telegram=telegram, dev_mode=settings.dev)
