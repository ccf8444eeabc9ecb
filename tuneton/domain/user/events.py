"""Facts recorded about a listener's profile. Aggregate id and time live in the envelope."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class UserRegistered:
    """A listener appeared for the first time."""

    display_name: str
    username: str | None
    language_code: str | None
    first_name: str | None = None
    last_name: str | None = None
    photo_url: str | None = None
    is_premium: bool = False


@dataclass(frozen=True, kw_only=True)
class ProfileUpdated:
    """The listener's profile now reads as given (full snapshot of the mutable fields)."""

    display_name: str
    username: str | None
    language_code: str | None
    first_name: str | None = None
    last_name: str | None = None
    photo_url: str | None = None
    is_premium: bool = False


UserEvent = UserRegistered | ProfileUpdated
