"""HTTP contract of the sign-in endpoints (``/v1/auth/*``), shared with the Mini App."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tuneton.auth.profile import TelegramProfile
from tuneton.auth.tokens import TokenPair


class SessionUser(BaseModel):
    """Who signed in, as Telegram described them."""

    user_id: str
    display_name: str
    username: str | None
    photo_url: str | None
    language_code: str | None
    is_premium: bool


class Session(BaseModel):
    """Tokens for the API: send ``Authorization: Bearer <access_token>``; refresh before ``expires_in`` ends."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int = Field(description="Seconds the access token stays valid.")
    refresh_token: str = Field(description="One use: POST it to /v1/auth/refresh for a new pair.")
    user: SessionUser
    consistency_token: str | None = Field(
        default=None,
        description="When this sign-in registered or updated the profile: pass it (?consistency=) to the first "
        "read so /v1/users/me already shows it (read-your-writes).",
    )

    @classmethod
    def of(cls, tokens: TokenPair, profile: TelegramProfile, consistency_token: str | None = None) -> Session:
        """The response for ``profile`` signed in with ``tokens``."""
        user = SessionUser(
            user_id=profile.user_id,
            display_name=profile.display_name,
            username=profile.username,
            photo_url=profile.photo_url,
            language_code=profile.language_code,
            is_premium=profile.is_premium,
        )
        return cls(
            access_token=tokens.access_token,
            expires_in=tokens.expires_in,
            refresh_token=tokens.refresh_token,
            user=user,
            consistency_token=consistency_token,
        )


class RefreshRequest(BaseModel):
    """Body of ``POST /v1/auth/refresh``."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)


class AuthProblem(BaseModel):
    """A 401: why the credentials were refused (``reason`` is machine-readable, see docs/auth.md)."""

    detail: str
    reason: str
