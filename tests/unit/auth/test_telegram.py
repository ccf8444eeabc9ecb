"""Mini App initData: the public vectors, forgeries and tampering, expiry, field rules, Ed25519."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.unit.auth import spec
from tuneton.auth.errors import AuthError
from tuneton.auth.profile import TelegramProfile
from tuneton.auth.telegram import check_init_data, check_init_data_signature, sign_init_data

# tma.js documentation vector (HMAC): https://docs.telegram-mini-apps.com, init-data-node
TMA_TOKEN = "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx8"
TMA_INIT_DATA = (
    "query_id=AAHdF6IQAAAAAN0XohDhrOrc&user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%22%2C"
    "%22last_name%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C"
    "%22is_premium%22%3Atrue%7D&auth_date=1662771648&hash=c501b71e775f74ce10e377dea85a7ea24ecd640b223ea86dfe453e0eaed2e2b2"
)
TMA_AT = datetime.fromtimestamp(1662771648, UTC)

# Real Telegram data (Bot API 8.0) with both hash and Ed25519 signature, from the tma.js docs and tests
PROD_KEY = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"
TEST_KEY = "40055058a4ee38156a06562e52eece92a771bcd8346a8c4615cb7376eddf72ec"
SIGNED_BOT_ID = 7342037359
SIGNED_TOKEN = "7342037359:AAFZehRPBRs8Seg40oDjTMIW8uTGPuW1zfQ"
SIGNED_INIT_DATA = (
    "user=%7B%22id%22%3A279058397%2C%22first_name%22%3A%22Vladislav%20%2B%20-%20%3F%20%5C%2F%22%2C%22last_name"
    "%22%3A%22Kibenko%22%2C%22username%22%3A%22vdkfrost%22%2C%22language_code%22%3A%22ru%22%2C%22is_premium%22"
    "%3Atrue%2C%22allows_write_to_pm%22%3Atrue%2C%22photo_url%22%3A%22https%3A%5C%2F%5C%2Ft.me%5C%2Fi%5C%2Fuserpic"
    "%5C%2F320%5C%2F4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg%22%7D&chat_instance=8134722200314281151"
    "&chat_type=private&auth_date=1733584787&signature=zL-ucjNyREiHDE8aihFwpfR9aggP2xiAo3NSpfe-p7IbCisNlDKlo7Kb6G4"
    "D0Ao2mBrSgEk4maLSdv6MLIlADQ&hash=2174df5b000556d044f3f020384e879c8efcab55ddea2ced4eb752e93e7080d6"
)
SIGNED_AT = datetime.fromtimestamp(1733584787, UTC)
DAY = 86_400


def reason(call: object) -> str:
    with pytest.raises(AuthError) as refused:
        call()  # type: ignore[operator]
    return refused.value.reason


def test_the_tma_js_vector_passes_here_and_in_the_independent_implementation() -> None:
    profile = check_init_data(TMA_INIT_DATA, bot_token=TMA_TOKEN, max_age_s=DAY, now=TMA_AT + timedelta(hours=1))
    assert profile == TelegramProfile(user_id="279058397", first_name="Vladislav", last_name="Kibenko",
                                      username="vdkfrost", language_code="ru", is_premium=True)  # fmt: skip
    assert spec.webapp_hash(TMA_INIT_DATA, TMA_TOKEN) == spec.pairs(TMA_INIT_DATA)["hash"]


def test_signature_stays_inside_the_hmac_string() -> None:
    """The real Bot API 8.0 vector only verifies with ``signature`` in the data-check string."""
    profile = check_init_data(SIGNED_INIT_DATA, bot_token=SIGNED_TOKEN, max_age_s=0)
    assert (profile.user_id, profile.photo_url) == (
        "279058397",
        "https://t.me/i/userpic/320/4FPEE4tmP3ATHa57u6MqTDih13LTOiMoKoLDRG4PnSA.svg",
    )
    assert spec.webapp_hash(SIGNED_INIT_DATA, SIGNED_TOKEN) == spec.pairs(SIGNED_INIT_DATA)["hash"]


def test_ed25519_vector_passes_with_the_production_key_and_only_for_its_bot() -> None:
    now = SIGNED_AT + timedelta(minutes=5)
    profile = check_init_data_signature(
        SIGNED_INIT_DATA, bot_id=SIGNED_BOT_ID, public_key=PROD_KEY, max_age_s=DAY, now=now
    )
    assert profile.user_id == "279058397"
    assert spec.signature_valid(SIGNED_INIT_DATA, SIGNED_BOT_ID, PROD_KEY)
    assert reason(lambda: check_init_data_signature(SIGNED_INIT_DATA, bot_id=SIGNED_BOT_ID + 1, public_key=PROD_KEY,
                                                    max_age_s=DAY, now=now)) == "bad_signature"  # fmt: skip
    assert reason(lambda: check_init_data_signature(SIGNED_INIT_DATA, bot_id=SIGNED_BOT_ID, public_key=TEST_KEY,
                                                    max_age_s=DAY, now=now)) == "bad_signature"  # fmt: skip
    assert not spec.signature_valid(SIGNED_INIT_DATA, SIGNED_BOT_ID + 1, PROD_KEY)
    late = SIGNED_AT + timedelta(days=2)
    assert reason(lambda: check_init_data_signature(SIGNED_INIT_DATA, bot_id=SIGNED_BOT_ID, public_key=PROD_KEY,
                                                    max_age_s=DAY, now=late)) == "expired"  # fmt: skip


def test_ed25519_with_a_synthetic_key_pair_agrees_with_the_independent_implementation() -> None:
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    fields = {"auth_date": "1733584787", "user": '{"id":42,"first_name":"Zed"}'}
    signed = spec.ed25519_signed(fields, 42, key)
    assert spec.signature_valid(signed, 42, public)
    assert check_init_data_signature(signed, bot_id=42, public_key=public, max_age_s=0).user_id == "42"
    tampered = signed.replace("Zed", "Zee")
    assert not spec.signature_valid(tampered, 42, public)
    assert (
        reason(lambda: check_init_data_signature(tampered, bot_id=42, public_key=public, max_age_s=0))
        == "bad_signature"
    )
    unsigned = spec.with_hash(fields, "42:token")
    assert (
        reason(lambda: check_init_data_signature(unsigned, bot_id=42, public_key=public, max_age_s=0))
        == "missing_signature"
    )


def tampered_user(init_data: str) -> str:
    return init_data.replace("%22vdkfrost%22", "%22attacker%22")


@pytest.mark.parametrize(
    ("init_data", "token", "expected"),
    [
        (TMA_INIT_DATA.replace("hash=c501", "hash=d501"), TMA_TOKEN, "bad_hash"),  # forged hash
        (tampered_user(TMA_INIT_DATA), TMA_TOKEN, "bad_hash"),  # a tampered user field
        (TMA_INIT_DATA, "5768337691:AAH5YkoiEuPk8-FZa32hStHTqXiLPtAEhx9", "bad_hash"),  # the wrong bot token
        (TMA_INIT_DATA.split("&hash=", maxsplit=1)[0], TMA_TOKEN, "missing_field"),  # no hash
        (TMA_INIT_DATA.replace("auth_date=1662771648&", ""), TMA_TOKEN, "missing_field"),  # no auth_date
        (TMA_INIT_DATA + "&auth_date=1662771648", TMA_TOKEN, "duplicate_field"),
        ("user=%7B%7D&user=%7B%7D&auth_date=1&hash=" + "0" * 64, TMA_TOKEN, "duplicate_field"),
        ("", TMA_TOKEN, "malformed_init_data"),
        ("auth_date=soon&hash=" + "0" * 64, TMA_TOKEN, "malformed_init_data"),
    ],
    ids=[
        "forged-hash",
        "tampered-user",
        "wrong-token",
        "no-hash",
        "no-auth-date",
        "dup-auth-date",
        "dup-user",
        "empty",
        "bad-auth-date",
    ],
)
def test_refusals_name_their_reason(init_data: str, token: str, expected: str) -> None:
    assert reason(lambda: check_init_data(init_data, bot_token=token, max_age_s=0)) == expected


def test_auth_date_older_than_the_maximum_age_is_refused() -> None:
    assert reason(lambda: check_init_data(TMA_INIT_DATA, bot_token=TMA_TOKEN, max_age_s=300,
                                          now=TMA_AT + timedelta(seconds=301))) == "expired"  # fmt: skip
    assert check_init_data(TMA_INIT_DATA, bot_token=TMA_TOKEN, max_age_s=300, now=TMA_AT + timedelta(seconds=299))


def test_data_signed_here_verifies_in_the_independent_implementation() -> None:
    profile = TelegramProfile(user_id="4242", first_name="Ana", last_name="B", username="ana_b", language_code="pt-BR",
                              is_premium=True, photo_url="https://t.me/i/userpic/320/x.jpg")  # fmt: skip
    signed = sign_init_data(profile, bot_token="4242:secret", auth_date=datetime.now(UTC))
    assert spec.webapp_hash(signed, "4242:secret") == spec.pairs(signed)["hash"]
    assert check_init_data(signed, bot_token="4242:secret", max_age_s=60) == profile
    assert urllib.parse.parse_qs(signed)["user"][0].startswith('{"id":4242')


def test_initdata_without_a_user_is_refused() -> None:
    bare = spec.with_hash({"auth_date": "1662771648", "chat_type": "private"}, TMA_TOKEN)
    assert reason(lambda: check_init_data(bare, bot_token=TMA_TOKEN, max_age_s=0)) == "missing_field"
