"""Access and refresh tokens: round trip, expiry, key rotation, tampering, the wrong kind of token."""

from __future__ import annotations

import jwt
import pytest

from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.tokens import TokenService

OLD, NEW = "old-" + "o" * 40, "new-" + "n" * 40
ADA = TelegramProfile(user_id="279058397", first_name="Ada", username="ada", is_premium=True)


def service(keys: dict[str, str], active: str) -> TokenService:
    return TokenService(keys, active_kid=active, access_ttl_s=900, refresh_ttl_s=3600)


def reason(call: object) -> str:
    with pytest.raises(AuthError) as refused:
        call()  # type: ignore[operator]
    return refused.value.reason


def test_an_access_token_names_its_user_key_and_expiry() -> None:
    tokens = service({"k1": OLD}, "k1").issue(ADA)
    assert service({"k1": OLD}, "k1").user_of(tokens.access_token) == "279058397"
    assert jwt.get_unverified_header(tokens.access_token)["kid"] == "k1"
    claims = jwt.decode(tokens.access_token, OLD, algorithms=["HS256"])
    assert claims["exp"] - claims["iat"] == tokens.expires_in == 900


def test_rotation_keeps_old_tokens_valid_until_their_key_is_dropped() -> None:
    before = service({"k1": OLD}, "k1").issue(ADA)
    rotated = service({"k1": OLD, "k2": NEW}, "k2")
    assert rotated.user_of(before.access_token) == ADA.user_id  # nobody signed out
    after = rotated.issue(ADA)
    assert jwt.get_unverified_header(after.access_token)["kid"] == "k2"
    assert reason(lambda: service({"k2": NEW}, "k2").user_of(before.access_token)) == "unknown_key"


def test_expired_tampered_and_misused_tokens_are_refused() -> None:
    tokens = service({"k1": OLD}, "k1")
    expired = tokens.issue(ADA, now=1_000_000).access_token
    assert reason(lambda: tokens.user_of(expired)) == "token_expired"
    pair = tokens.issue(ADA)
    head, body, sig = pair.access_token.split(".")
    assert reason(lambda: tokens.user_of(f"{head}.{body}.{sig[:-2]}AA")) == "invalid_token"
    assert reason(lambda: tokens.user_of(pair.refresh_token)) == "invalid_token"  # a refresh token is no access token
    assert reason(lambda: tokens.refresh_claims(pair.access_token)) == "invalid_token"
    assert reason(lambda: tokens.user_of("not a token")) == "invalid_token"
    forged = jwt.encode({"sub": "x", "typ": "access", "iat": 1, "exp": 2**40, "iss": "tuneton"}, "n" * 32,
                        algorithm="HS256", headers={"kid": "k1"})  # fmt: skip
    assert reason(lambda: tokens.user_of(forged)) == "invalid_token"
    none_alg = jwt.encode({"sub": "x"}, key=None, algorithm="none", headers={"kid": "k1"})
    assert reason(lambda: tokens.user_of(none_alg)) == "invalid_token"


def test_a_refresh_token_carries_the_profile() -> None:
    tokens = service({"k1": OLD}, "k1")
    claims = tokens.refresh_claims(tokens.issue(ADA).refresh_token)
    assert claims.profile == ADA
    assert claims.jti


def test_short_or_missing_keys_are_configuration_errors() -> None:
    with pytest.raises(ValueError, match="shorter"):
        service({"k1": "short"}, "k1")
    with pytest.raises(ValueError, match="not among"):
        service({"k1": OLD}, "k9")



def test_a_verified_token_is_remembered_until_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second use of a token skips the HMAC check, but the answer never outlives the token's exp."""
    tokens = service({"k1": OLD}, "k1")
    pair = tokens.issue(ADA)
    expires = jwt.decode(pair.access_token, OLD, algorithms=["HS256"])["exp"]
    assert tokens.user_of(pair.access_token) == ADA.user_id  # verified for real
    verified: list[str] = []

    def refuse(token: str, kind: str) -> dict[str, object]:
        verified.append(token)
        raise AuthError("token_expired", "checked again")

    monkeypatch.setattr(tokens, "_verify", refuse)
    assert tokens.user_of(pair.access_token) == ADA.user_id
    assert verified == []  # answered from memory
    monkeypatch.setattr("tuneton.auth.tokens.time.time", lambda: float(expires))
    assert reason(lambda: tokens.user_of(pair.access_token)) == "token_expired"
    assert verified == [pair.access_token]  # at exp the remembered answer is dropped


def test_a_tampered_copy_of_a_remembered_token_is_still_refused() -> None:
    tokens = service({"k1": OLD}, "k1")
    pair = tokens.issue(ADA)
    assert tokens.user_of(pair.access_token) == ADA.user_id
    head, body, sig = pair.access_token.split(".")
    assert reason(lambda: tokens.user_of(f"{head}.{body}.{sig[:-2]}AA")) == "invalid_token"
