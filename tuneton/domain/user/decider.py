"""Decide and evolve for the user aggregate: pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.text import clean_text
from tuneton.domain.user.commands import RegisterUser, UpdateProfile, UserCommand
from tuneton.domain.user.errors import NotYourProfile, UserNotFound
from tuneton.domain.user.events import ProfileUpdated, UserEvent, UserRegistered

MAX_NAME = 128
MAX_USERNAME = 64
MAX_URL = 2048
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")  # BCP 47 shape, ASCII only


@dataclass(frozen=True, kw_only=True)
class User:
    """A listener's current profile as folded from their events."""

    display_name: str
    username: str | None
    language_code: str | None
    first_name: str | None = None
    last_name: str | None = None
    photo_url: str | None = None
    is_premium: bool = False


def decide(state: User | None, command: UserCommand, ctx: CommandContext) -> list[UserEvent]:
    """Return the events ``command`` causes, or raise a ``DomainError``."""
    if command.user_id != ctx.actor_id:
        raise NotYourProfile("a profile can only be changed by its owner", user_id=command.user_id)
    match command:
        case RegisterUser():
            return _register(state, command)
        case UpdateProfile():
            return _update(state, command)


def evolve(state: User | None, event: UserEvent) -> User:
    """Fold one event into the state."""
    match event:
        case UserRegistered() | ProfileUpdated():
            return User(**vars(event))
        case _:
            raise TypeError(f"unknown user event {type(event).__name__}")


def _register(state: User | None, command: RegisterUser) -> list[UserEvent]:
    wanted = User(
        display_name=clean_text(command.display_name, field="display_name", max_length=MAX_NAME),
        username=_clean_username(command.username),
        language_code=_clean_language(command.language_code),
        **_telegram_fields(state, command),
    )
    if state is not None and command.from_telegram and state.display_name != _telegram_name(state):
        wanted = replace(wanted, display_name=state.display_name)  # the listener renamed themselves: keep it
    if state is None:
        return [UserRegistered(**vars(wanted))]
    return [] if wanted == state else [ProfileUpdated(**vars(wanted))]


def _update(state: User | None, command: UpdateProfile) -> list[UserEvent]:
    if state is None:
        raise UserNotFound("no such user", user_id=command.user_id)
    wanted = state
    if command.display_name is not None:
        name = clean_text(command.display_name, field="display_name", max_length=MAX_NAME)
        wanted = replace(wanted, display_name=name)
    if command.username is not None:
        wanted = replace(wanted, username=_clean_username(command.username))
    if command.language_code is not None:
        wanted = replace(wanted, language_code=_clean_language(command.language_code))
    return [] if wanted == state else [ProfileUpdated(**vars(wanted))]


def _telegram_fields(state: User | None, command: RegisterUser) -> dict[str, Any]:
    """Names, photo and premium: Telegram's on a verified sign-in, else as they were."""
    if not command.from_telegram:
        keep = state or User(display_name="", username=None, language_code=None)
        return {"first_name": keep.first_name, "last_name": keep.last_name, "photo_url": keep.photo_url,
                "is_premium": keep.is_premium}  # fmt: skip
    return {
        "first_name": _optional(command.first_name, field="first_name"),
        "last_name": _optional(command.last_name, field="last_name"),
        "photo_url": _photo_url(command.photo_url),
        "is_premium": bool(command.is_premium),
    }


def _telegram_name(state: User) -> str:
    """The display name a Telegram sign-in gave (first and last name)."""
    return " ".join(part for part in (state.first_name, state.last_name) if part)


def _optional(value: str | None, *, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value, field=field, max_length=MAX_NAME)


def _photo_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_URL or not value.startswith("https://") or not value.isprintable():
        raise InvalidValue("photo_url must be an https URL", field="photo_url")
    return value


def _clean_username(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return clean_text(value.lstrip("@"), field="username", max_length=MAX_USERNAME)


def _clean_language(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    code = value.strip()
    if len(code) > 16 or not _LANGUAGE_TAG.fullmatch(code):
        raise InvalidValue("language_code must be an IETF language tag", field="language_code")
    return code
