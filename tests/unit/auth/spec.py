"""An independent implementation of Telegram's checks, written from core.telegram.org for the tests.

Standard library and ``cryptography`` only, sharing no code with init-data-py or tuneton.auth, so the
production checks are held against a second reading of the spec, not against themselves.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def pairs(init_data: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(init_data, keep_blank_values=True, strict_parsing=True))


def check_string(fields: dict[str, str], *, leave_out: tuple[str, ...]) -> str:
    return "\n".join(f"{k}={fields[k]}" for k in sorted(fields) if k not in leave_out)


def webapp_hash(init_data: str, bot_token: str) -> str:
    """hex(HMAC_SHA256(HMAC_SHA256("WebAppData", bot_token), data_check_string)); ``signature`` stays in."""
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    text = check_string(pairs(init_data), leave_out=("hash",))
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def with_hash(fields: dict[str, str], bot_token: str) -> str:
    """initData for ``fields`` as Telegram would sign it."""
    body = urllib.parse.urlencode(fields)
    return f"{body}&hash={webapp_hash(body, bot_token)}"


def signature_valid(init_data: str, bot_id: int, public_key_hex: str) -> bool:
    """Ed25519 over "<bot_id>:WebAppData\\n" + the fields but hash and signature."""
    fields = pairs(init_data)
    signature = base64.urlsafe_b64decode(fields["signature"] + "=" * (-len(fields["signature"]) % 4))
    message = f"{bot_id}:WebAppData\n" + check_string(fields, leave_out=("hash", "signature"))
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(signature, message.encode())
    except Exception:  # noqa: BLE001 - any failure is "not valid"
        return False
    return True


def ed25519_signed(fields: dict[str, str], bot_id: int, key: Ed25519PrivateKey) -> str:
    """initData carrying a third-party ``signature`` by ``key`` (and no hash check intended)."""
    message = f"{bot_id}:WebAppData\n" + check_string(fields, leave_out=())
    signature = base64.urlsafe_b64encode(key.sign(message.encode())).rstrip(b"=").decode()
    return urllib.parse.urlencode({**fields, "signature": signature, "hash": "0" * 64})


def widget_hash(fields: dict[str, str], bot_token: str) -> str:
    """Login Widget: HMAC_SHA256(SHA256(bot_token), data_check_string)."""
    text = check_string(fields, leave_out=("hash",))
    return hmac.new(hashlib.sha256(bot_token.encode()).digest(), text.encode(), hashlib.sha256).hexdigest()
