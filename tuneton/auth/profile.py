"""The Telegram user a valid credential names, as our API and the user aggregate need it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class TelegramProfile:
    """What Telegram vouches for about a user; ``user_id`` is the Telegram id as text (up to 52 bits)."""

    user_id: str
    first_name: str
    last_name: str | None = None
    username: str | None = None
    photo_url: str | None = None
    language_code: str | None = None
    is_premium: bool = False

    @property
    def display_name(self) -> str:
        """First and last name, as Telegram clients show them."""
        return " ".join(part for part in (self.first_name, self.last_name) if part).strip() or self.user_id
