"""The authenticator: which credential wins, dev mode, settings that refuse unsafe setups, dev-login."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from commands.deps import scoped_command_id
from tuneton.auth import keys
from tuneton.auth.devlogin import DevModeOff, dev_login, dev_profile
from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.service import Authenticator, build_authenticator
from tuneton.auth.telegram import sign_init_data
from tuneton.settings import Settings


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path, **values)  # type: ignore[arg-type]


def reason(authenticator: Authenticator, authorization: str | None, dev_user: str | None = None) -> str:
    with pytest.raises(AuthError) as refused:
        authenticator.identify(authorization, dev_user)
    return refused.value.reason


def test_bearer_tma_and_dev_header_each_identify(tmp_path: Path) -> None:
    config = settings(tmp_path)
    authenticator = build_authenticator(config)
    profile = TelegramProfile(user_id="77", first_name="Bo")
    assert authenticator.identify(f"Bearer {authenticator.issue(profile).access_token}", None) == "77"
    init_data = sign_init_data(profile, bot_token=keys.dev_bot_token(config), auth_date=datetime.now(UTC))
    assert authenticator.identify(f"tma {init_data}", "someone-else") == "77"  # Authorization wins
    assert authenticator.identify(None, "alice") == "alice"


@pytest.mark.parametrize(
    ("authorization", "dev_user", "expected"),
    [
        (None, None, "missing_credentials"),
        ("Bearer", None, "malformed_authorization"),
        ("Basic dXNlcjpwYXNz", None, "unsupported_scheme"),
        ("tma auth_date=1&hash=" + "0" * 64, None, "expired"),  # age is checked before the hash (either refuses)
        (f"tma auth_date={int(time.time())}&hash={'0' * 64}", None, "bad_hash"),
        (None, "", "malformed_dev_user"),
        (None, "x" * 65, "malformed_dev_user"),
        (None, "ünïcode", "malformed_dev_user"),
    ],
)
def test_refusals(tmp_path: Path, authorization: str | None, dev_user: str | None, expected: str) -> None:
    assert reason(build_authenticator(settings(tmp_path)), authorization, dev_user) == expected


def test_the_dev_header_is_refused_without_dev_mode(tmp_path: Path) -> None:
    authenticator = build_authenticator(settings(tmp_path, dev_mode=False, bot_token="1:abc"))
    assert reason(authenticator, None, "alice") == "dev_mode_off"
    with pytest.raises(DevModeOff):
        dev_login(settings(tmp_path, dev_mode=False), "alice")


def test_dev_mode_follows_the_runtime_and_is_refused_on_the_distributed_one(tmp_path: Path) -> None:
    assert settings(tmp_path).dev
    assert not settings(tmp_path, runtime="distributed").dev
    with pytest.raises(ValidationError, match="refused on the distributed runtime"):
        settings(tmp_path, runtime="distributed", dev_mode=True)


def test_the_distributed_runtime_needs_configured_signing_keys(tmp_path: Path) -> None:
    with pytest.raises(keys.AuthConfigError, match="signing_keys"):
        build_authenticator(settings(tmp_path, runtime="distributed"))
    key_file = tmp_path / "keys.json"
    key_file.write_text(json.dumps({"2026-11": "a" * 40, "2026-10": "b" * 40}), encoding="utf-8")
    built = build_authenticator(settings(tmp_path, runtime="distributed", auth_signing_keys_file=key_file,
                                         auth_active_key_id="2026-10"))  # fmt: skip
    token = built.issue(TelegramProfile(user_id="1", first_name="x")).access_token
    assert built.identify(f"Bearer {token}", None) == "1"
    with pytest.raises(keys.AuthConfigError, match="names no configured"):
        build_authenticator(settings(tmp_path, runtime="distributed", auth_signing_keys_file=key_file,
                                     auth_active_key_id="2027-01"))  # fmt: skip


def test_dev_secrets_are_generated_once_private_and_outside_the_repo(tmp_path: Path) -> None:
    config = settings(tmp_path)
    token = keys.dev_bot_token(config)
    assert token == keys.dev_bot_token(config)
    stored = tmp_path / "auth" / "dev-bot-token"
    assert stored.stat().st_mode & 0o777 == 0o600
    assert token.split(":")[0] == str(keys.DEV_BOT_ID)


def test_dev_login_prints_init_data_the_server_accepts_and_a_mini_app_url(tmp_path: Path) -> None:
    config = settings(tmp_path)
    login = dev_login(config, "alice")
    assert build_authenticator(config).identify(f"tma {login.init_data}", None) == login.user_id
    assert login.url.startswith("http://127.0.0.1:8080/#tgWebAppData=auth_date%3D")
    assert login.url.endswith("&tgWebAppVersion=8.0&tgWebAppPlatform=web")
    assert dev_profile("alice") == dev_profile("alice")
    assert dev_profile("12345").user_id == "12345"


def test_idempotency_keys_are_scoped_by_caller() -> None:
    assert scoped_command_id("a", "key-12345") == scoped_command_id("a", "key-12345")
    assert scoped_command_id("a", "key-12345") != scoped_command_id("b", "key-12345")
