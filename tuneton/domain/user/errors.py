"""Rejections specific to the user context."""

from __future__ import annotations

from tuneton.domain.errors import AggregateNotFound, NotOwner


class UserNotFound(AggregateNotFound):
    """The profile to update does not exist yet."""

    reason = "user_not_found"


class NotYourProfile(NotOwner):
    """A listener tried to change somebody else's profile."""

    reason = "not_your_profile"
