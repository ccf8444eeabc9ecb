"""The user decider: registration is idempotent, profiles change only by their owner."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from functools import reduce
from typing import Any

import pytest

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.user.commands import RegisterUser, UpdateProfile
from tuneton.domain.user.decider import User, decide, evolve
from tuneton.domain.user.errors import NotYourProfile, UserNotFound
from tuneton.domain.user.events import ProfileUpdated, UserEvent, UserRegistered

ME = "1001"
REGISTERED = UserRegistered(display_name="Anna", username="anna", language_code="en")


def given(*events: UserEvent) -> User | None:
    return reduce(evolve, events, None)


def when(state: User | None, command: Any, actor: str = ME) -> list[UserEvent]:
    return decide(state, command, CommandContext(actor_id=actor, issued_at=datetime(2025, 1, 1, tzinfo=UTC)))


def test_a_new_user_registers() -> None:
    command = RegisterUser(user_id=ME, display_name=" Anna ", username="@anna", language_code="en")
    assert when(None, command) == [REGISTERED]
    assert when(None, RegisterUser(user_id=ME, display_name="Anna")) == [
        UserRegistered(display_name="Anna", username=None, language_code=None)
    ]


def test_registering_again_with_the_same_details_decides_nothing() -> None:
    command = RegisterUser(user_id=ME, display_name="Anna", username="anna", language_code="en")
    assert when(given(REGISTERED), command) == []


def test_registering_again_with_new_details_updates_the_profile() -> None:
    command = RegisterUser(user_id=ME, display_name="Анна", username=None, language_code="ru")
    assert when(given(REGISTERED), command) == [ProfileUpdated(display_name="Анна", username=None, language_code="ru")]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            UpdateProfile(user_id=ME, display_name="Anna K."),
            [ProfileUpdated(display_name="Anna K.", username="anna", language_code="en")],
        ),
        (
            UpdateProfile(user_id=ME, language_code="pt-BR"),
            [ProfileUpdated(display_name="Anna", username="anna", language_code="pt-BR")],
        ),
        (
            UpdateProfile(user_id=ME, username=" "),
            [ProfileUpdated(display_name="Anna", username=None, language_code="en")],
        ),
        (UpdateProfile(user_id=ME), []),
        (UpdateProfile(user_id=ME, display_name="Anna", username="@anna"), []),
    ],
    ids=["name", "language", "clear username", "nothing given", "same values"],
)
def test_update_profile(command: UpdateProfile, expected: list[UserEvent]) -> None:
    assert when(given(REGISTERED), command) == expected


def test_evolve_keeps_the_latest_profile() -> None:
    state = given(REGISTERED, ProfileUpdated(display_name="B", username=None, language_code="de"))
    assert state == User(display_name="B", username=None, language_code="de")


@pytest.mark.parametrize(
    "command",
    [RegisterUser(user_id="2002", display_name="Eve"), UpdateProfile(user_id="2002", display_name="Eve")],
    ids=["register", "update"],
)
def test_nobody_changes_another_users_profile(command: Any) -> None:
    with pytest.raises(NotYourProfile):
        when(given(REGISTERED), command)


def test_updating_a_user_who_never_registered_is_rejected() -> None:
    with pytest.raises(UserNotFound):
        when(None, UpdateProfile(user_id=ME, display_name="Anna"))


@pytest.mark.parametrize("code", ["en", "pt-br", "zh-Hant-TW", "es-419"])
def test_language_tags_are_accepted(code: str) -> None:
    assert when(None, RegisterUser(user_id=ME, display_name="Anna", language_code=code)) == [
        UserRegistered(display_name="Anna", username=None, language_code=code)
    ]


@pytest.mark.parametrize(
    "code", ["en US", "en_US", "x" * 17, "\u0440\u0443", "日本", "en-", "-", "1en", "en--us", "en\x00"]
)
def test_bad_language_codes_are_invalid(code: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        when(None, RegisterUser(user_id=ME, display_name="Anna", language_code=code))
    assert caught.value.details["field"] == "language_code"
    with pytest.raises(InvalidValue):
        when(given(REGISTERED), UpdateProfile(user_id=ME, language_code=code))


@pytest.mark.parametrize("name", ["", "  ", "x" * 129, "tab\x1bescape"])
def test_bad_display_names_are_invalid(name: str) -> None:
    with pytest.raises(InvalidValue):
        when(None, RegisterUser(user_id=ME, display_name=name))


def test_evolve_rejects_unknown_events() -> None:
    with pytest.raises(TypeError):
        evolve(None, object())  # type: ignore[arg-type]


ADA = RegisterUser(user_id=ME, display_name="Ada L", username="ada", language_code="en", first_name="Ada",
                   last_name="L", photo_url="https://t.me/i/userpic/320/ada.jpg", is_premium=True,
                   from_telegram=True)  # fmt: skip
ADA_REGISTERED = UserRegistered(display_name="Ada L", username="ada", language_code="en", first_name="Ada",
                                last_name="L", photo_url=ADA.photo_url, is_premium=True)  # fmt: skip


def test_a_telegram_sign_in_registers_the_whole_profile_and_later_ones_only_changes() -> None:
    assert when(None, ADA) == [ADA_REGISTERED]
    assert when(given(ADA_REGISTERED), ADA) == []  # same profile: no event
    moved = replace(ADA, photo_url=None, is_premium=False)
    assert when(given(ADA_REGISTERED), moved) == [replace_event(ADA_REGISTERED, photo_url=None, is_premium=False)]


def test_a_sign_in_keeps_a_name_the_listener_chose() -> None:
    renamed = ProfileUpdated(**{**vars(ADA_REGISTERED), "display_name": "Countess"})
    assert when(given(ADA_REGISTERED, renamed), ADA) == []
    assert when(given(ADA_REGISTERED, renamed), replace(ADA, username="ada2")) == [
        ProfileUpdated(**{**vars(renamed), "username": "ada2"})
    ]


def test_a_profile_put_keeps_the_telegram_fields() -> None:
    put = RegisterUser(user_id=ME, display_name="Ada L", username="ada", language_code="de")
    assert when(given(ADA_REGISTERED), put) == [ProfileUpdated(**{**vars(ADA_REGISTERED), "language_code": "de"})]


def test_a_photo_url_must_be_https() -> None:
    with pytest.raises(InvalidValue, match="photo_url"):
        when(None, replace(ADA, photo_url="javascript:alert(1)"))


def replace_event(event: UserRegistered, **changes: Any) -> ProfileUpdated:
    return ProfileUpdated(**{**vars(event), **changes})
