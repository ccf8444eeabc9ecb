"""The error tree every bounded context roots its rejections in.

Each rejection carries a stable machine-readable ``reason`` and a ``kind`` that the HTTP edge maps to a
status code, so a rejection decided inside a Kafka processor can travel back to the caller as data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar


class RejectionKind(StrEnum):
    """How a rejection maps onto the caller's world (HTTP status at the edge)."""

    INVALID = "invalid"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"


class TuneTonError(Exception):
    """Root of every error tuneTON raises on purpose."""


class DomainError(TuneTonError):
    """A command was rejected by a decider; nothing was recorded."""

    reason: ClassVar[str] = "rejected"
    kind: ClassVar[RejectionKind] = RejectionKind.CONFLICT

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class AggregateNotFound(DomainError):
    """The command addresses an aggregate that was never created."""

    reason = "not_found"
    kind = RejectionKind.NOT_FOUND


class AlreadyExists(DomainError):
    """A create command hit an aggregate id that is already taken."""

    reason = "already_exists"
    kind = RejectionKind.CONFLICT


class NotOwner(DomainError):
    """Only the owner of an aggregate may change it."""

    reason = "not_owner"
    kind = RejectionKind.FORBIDDEN


class InvalidValue(DomainError):
    """A command field breaks a domain rule (length, range, enumeration)."""

    reason = "invalid_value"
    kind = RejectionKind.INVALID
