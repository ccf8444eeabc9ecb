"""Login Widget: aiogram's public vector, the independent implementation, refusals and replays."""

from __future__ import annotations

import pytest

from tests.unit.auth import spec
from tuneton.auth.errors import AuthError
from tuneton.auth.replay import ReplayGuard
from tuneton.auth.service import Authenticator, TelegramChecks
from tuneton.auth.tokens import TokenService
from tuneton.auth.widget import check_login_widget

# aiogram tests/test_utils/test_auth_widget.py
TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"
FIELDS = {
    "id": "42",
    "first_name": "John",
    "last_name": "Smith",
    "username": "username",
    "photo_url": "https://t.me/i/userpic/320/picname.jpg",
    "auth_date": "1565810688",
    "hash": "c303db2b5a06fe41d23a9b14f7c545cfc11dcc7473c07c9c5034ae60062461ce",
}
AT = 1565810688 + 60


def reason(fields: dict[str, str], *, token: str = TOKEN, max_age_s: int = 3600, now: float = AT) -> str:
    with pytest.raises(AuthError) as refused:
        check_login_widget(fields, bot_token=token, max_age_s=max_age_s, now=now)
    return refused.value.reason


def test_the_public_vector_passes_here_and_in_the_independent_implementation() -> None:
    profile = check_login_widget(FIELDS, bot_token=TOKEN, max_age_s=3600, now=AT)
    assert (profile.user_id, profile.display_name, profile.username) == ("42", "John Smith", "username")
    assert spec.widget_hash(FIELDS, TOKEN) == FIELDS["hash"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"hash": "d" + FIELDS["hash"][1:]}, "bad_hash"),
        ({"first_name": "Johnny"}, "bad_hash"),
        ({"id": "43"}, "bad_hash"),
        ({"hash": ""}, "missing_field"),
        ({"hash": "xyz"}, "malformed_login"),
        ({"auth_date": "yesterday"}, "malformed_login"),
    ],
)
def test_forged_or_malformed_payloads_are_refused(change: dict[str, str], expected: str) -> None:
    assert reason({**FIELDS, **change}) == expected


def test_missing_fields_wrong_token_and_old_payloads_are_refused() -> None:
    assert reason({k: v for k, v in FIELDS.items() if k != "id"}) == "missing_field"
    assert reason(FIELDS, token="123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew12") == "bad_hash"
    assert reason(FIELDS, now=1565810688 + 3601) == "expired"


def test_a_replayed_payload_is_refused() -> None:
    tokens = TokenService({"k": "k" * 32}, active_kid="k", access_ttl_s=60, refresh_ttl_s=120)
    checks = TelegramChecks(bot_token=TOKEN, bot_id=None, public_key="0" * 64, init_data_max_age_s=0,
                            login_widget_max_age_s=0)  # fmt: skip
    authenticator = Authenticator(tokens=tokens, telegram=checks, dev_mode=False)
    assert authenticator.login_widget(FIELDS).user_id == "42"
    with pytest.raises(AuthError) as refused:
        authenticator.login_widget(dict(FIELDS))
    assert refused.value.reason == "replayed"


def test_the_replay_guard_forgets_what_expired() -> None:
    guard = ReplayGuard(capacity=1)
    guard.use("a", expires_at=10, now=0)
    with pytest.raises(AuthError, match="already used"):
        guard.use("a", expires_at=10, now=5)
    with pytest.raises(AuthError) as full:
        guard.use("b", expires_at=10, now=5)
    assert full.value.reason == "busy"
    guard.use("b", expires_at=30, now=11)  # "a" expired and was forgotten
