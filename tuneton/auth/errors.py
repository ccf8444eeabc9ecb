"""Why a caller is not who they claim to be: one error type, a machine-readable ``reason`` per cause."""

from __future__ import annotations


class AuthError(Exception):
    """The credentials are missing or invalid: answered 401 with ``reason`` (docs/auth.md lists them)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class AuthNotConfigured(AuthError):
    """This deployment has no key for the credential's kind (no bot token, dev mode off)."""
