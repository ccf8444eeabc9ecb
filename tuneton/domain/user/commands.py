"""Commands a listener (or the auth service on their behalf) sends about their profile."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class RegisterUser:
    """Create the profile, or refresh it when Telegram reports new details on a later login.

    ``from_telegram``: the Telegram fields (names, photo, premium) come from a verified sign-in and are
    authoritative; otherwise (``PUT /v1/users/me``) they are kept as they are.
    """

    user_id: str
    display_name: str
    username: str | None = None
    language_code: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    photo_url: str | None = None
    is_premium: bool | None = None
    from_telegram: bool = False


@dataclass(frozen=True, kw_only=True)
class UpdateProfile:
    """Change the listener's own profile fields; ``None`` keeps a field as it is."""

    user_id: str
    display_name: str | None = None
    username: str | None = None
    language_code: str | None = None


UserCommand = RegisterUser | UpdateProfile
