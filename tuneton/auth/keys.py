"""Where the bot token and the signing keys come from: settings, files, or (dev mode only) the data dir.

Nothing secret lives in the repository. In dev mode a bot token and a signing key are generated once
into ``<data_dir>/auth/`` (mode 0600), so ``tuneton dev-login`` and the embedded default work with no
real bot; a distributed deployment must configure its signing keys (startup error otherwise).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from tuneton.settings import Settings

DEV_BOT_ID = 1_000_000_001  # the generated dev bot's id (the digits before ':' in its token)


class AuthConfigError(ValueError):
    """The auth settings cannot work (missing or unreadable keys); raised at startup."""


def bot_token(settings: Settings) -> str | None:
    """The bot token from settings or its file; in dev mode, the generated local one as a fallback."""
    if settings.bot_token is not None:
        return settings.bot_token.get_secret_value()
    if settings.bot_token_file is not None:
        return _read(settings.bot_token_file).strip()
    if settings.dev:
        return dev_bot_token(settings)
    return None


def dev_bot_token(settings: Settings) -> str:
    """The dev bot token of this data dir (generated on first use)."""
    return _generated(settings.data_dir / "auth" / "dev-bot-token", lambda: f"{DEV_BOT_ID}:{secrets.token_urlsafe(27)}")


def signing_keys(settings: Settings) -> tuple[dict[str, str], str]:
    """The signing keys (key id → secret) and the active key id."""
    keys = {kid: secret.get_secret_value() for kid, secret in settings.auth_signing_keys.items()}
    if settings.auth_signing_keys_file is not None:
        try:
            loaded = json.loads(_read(settings.auth_signing_keys_file))
        except json.JSONDecodeError as error:
            raise AuthConfigError(f"{settings.auth_signing_keys_file} is not JSON: {error}") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise AuthConfigError(f"{settings.auth_signing_keys_file} must hold a JSON object of key id -> secret")
        keys.update(loaded)
    if not keys:
        if settings.runtime == "distributed":
            raise AuthConfigError("the distributed runtime needs auth_signing_keys or auth_signing_keys_file")
        local = _generated(settings.data_dir / "auth" / "signing-key", lambda: secrets.token_urlsafe(48))
        keys = {"local-1": local}
    active = settings.auth_active_key_id or next(iter(keys))
    if active not in keys:
        raise AuthConfigError(f"auth_active_key_id {active!r} names no configured signing key")
    return keys, active


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise AuthConfigError(f"cannot read {path}: {error}") from None


def _generated(path: Path, make: Callable[[], str]) -> str:
    """The secret stored at ``path``, created (0600, atomically) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(make())
        if not path.exists():
            tmp.replace(path)
        else:
            tmp.unlink()
    return _read(path).strip()
