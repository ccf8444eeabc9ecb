"""Our own short-lived access tokens and rotating refresh tokens: JWT, HMAC-SHA256, with a key id.

Several signing keys may be configured at once: tokens are signed with the *active* key and verified
with whichever key their ``kid`` names, so a rotation (add a key, make it active, drop the old one
after the longest refresh lifetime) signs nobody out. PyJWT does the encoding and the checks.
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import jwt

from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile

ALGORITHM = "HS256"
ISSUER = "tuneton"
MIN_KEY_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash
VERIFIED_CACHE = 10_000  # access tokens remembered as verified (a client sends its token with every call)


@dataclass(frozen=True, kw_only=True)
class TokenPair:
    """What a sign-in or a refresh returns."""

    access_token: str
    expires_in: int
    refresh_token: str


@dataclass(frozen=True, kw_only=True)
class RefreshClaims:
    """A verified refresh token: whose, which one (``jti``, for replay refusal) and until when."""

    profile: TelegramProfile
    jti: str
    expires_at: int


class TokenService:
    """Issues and verifies tokens with the configured keys (``kid`` → secret)."""

    def __init__(self, keys: Mapping[str, str], *, active_kid: str, access_ttl_s: int, refresh_ttl_s: int) -> None:
        if active_kid not in keys:
            raise ValueError(f"the active signing key {active_kid!r} is not among the configured keys")
        short = [kid for kid, secret in keys.items() if len(secret.encode()) < MIN_KEY_BYTES]
        if short:
            raise ValueError(f"signing keys {short} are shorter than {MIN_KEY_BYTES} bytes")
        self._keys = dict(keys)
        self._active = active_kid
        self._access_ttl = access_ttl_s
        self._refresh_ttl = refresh_ttl_s
        # Access token (the exact string) -> (user id, exp) once its signature and claims checked out.
        # Verifying an HS256 JWT was ~4 % of a command's CPU (`benchmarks/backbone.py --profile`, stage
        # "edge: sign-in check"), and the same token comes with every request of a session. Only the
        # expiry can change the verdict for the same bytes (keys are fixed for this instance's life),
        # so a hit re-checks exactly that.
        self._verified: OrderedDict[str, tuple[str, int]] = OrderedDict()

    def issue(self, profile: TelegramProfile, *, now: float | None = None) -> TokenPair:
        """A fresh access token and refresh token for ``profile``."""
        at = int(time.time() if now is None else now)
        access = self._sign({"sub": profile.user_id, "typ": "access", "iat": at, "exp": at + self._access_ttl})
        refresh = self._sign(
            {
                "sub": profile.user_id,
                "typ": "refresh",
                "jti": str(uuid.uuid4()),
                "iat": at,
                "exp": at + self._refresh_ttl,
                "prf": {k: v for k, v in asdict(profile).items() if k != "user_id"},
            }
        )
        return TokenPair(access_token=access, expires_in=self._access_ttl, refresh_token=refresh)

    def user_of(self, token: str) -> str:
        """The user id of a valid access token, or ``AuthError``."""
        known = self._verified.get(token)
        if known is not None:
            user, expires = known
            if expires > time.time():  # PyJWT's rule (leeway 0): expired once exp <= now
                self._verified.move_to_end(token)
                return user
            del self._verified[token]
        claims = self._verify(token, "access")
        user = str(claims["sub"])
        self._verified[token] = (user, int(claims["exp"]))
        if len(self._verified) > VERIFIED_CACHE:
            self._verified.popitem(last=False)
        return user

    def refresh_claims(self, token: str) -> RefreshClaims:
        """A valid refresh token's claims, or ``AuthError``."""
        claims = self._verify(token, "refresh")
        profile = TelegramProfile(user_id=str(claims["sub"]), **dict(claims.get("prf") or {}))
        return RefreshClaims(profile=profile, jti=str(claims.get("jti", "")), expires_at=int(claims["exp"]))

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode({**claims, "iss": ISSUER}, self._keys[self._active], ALGORITHM, headers={"kid": self._active})

    def _verify(self, token: str, kind: str) -> dict[str, Any]:
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError:
            raise AuthError("invalid_token", "not a token") from None
        secret = self._keys.get(kid) if isinstance(kid, str) else None
        if secret is None:
            raise AuthError("unknown_key", "the token's signing key is not (or no longer) configured")
        try:
            claims: dict[str, Any] = jwt.decode(
                token, secret, algorithms=[ALGORITHM], issuer=ISSUER, options={"require": ["exp", "iat", "sub", "typ"]}
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token_expired", "the token has expired; refresh it or sign in again") from None
        except jwt.InvalidTokenError as error:
            raise AuthError("invalid_token", f"invalid token: {error}") from None
        if claims["typ"] != kind:
            raise AuthError("invalid_token", f"a {claims['typ']} token where an {kind} token belongs")
        return claims
