"""Commands a listener (or the auth service on their behalf) sends about their profile."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RegisterUser:
    """Create the profile, or refresh it when Telegram reports new details on a later login."""

    user_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class UpdateProfile:
    """Change the listener's own profile fields; ``None`` keeps a field as it is."""

    user_id: str
    display_name: str | None = None
    username: str | None = None
    language_code: str | None = None


UserCommand = RegisterUser | UpdateProfile
