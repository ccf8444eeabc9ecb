"""Envelopes: the metadata every command, event and outcome carries around its domain payload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# Namespace for ids derived from a command id: a redelivered command derives the very same ids.
_DERIVED_IDS = uuid.UUID("5b0f3c43-8f7e-4a5e-9d1c-2f8f3e4d7a10")


def derived_id(command_id: str, purpose: str) -> str:
    """A stable UUID for ``purpose`` within ``command_id`` (event ids, item ids)."""
    return str(uuid.uuid5(_DERIVED_IDS, f"{command_id}/{purpose}"))


@dataclass(frozen=True, kw_only=True)
class CommandEnvelope:
    """A domain command plus who sent it, when, and how to correlate its outcome."""

    command_id: str
    aggregate_type: str
    aggregate_id: str
    actor_id: str
    issued_at: datetime
    correlation_id: str
    command: Any


@dataclass(frozen=True, kw_only=True)
class EventEnvelope:
    """A domain event plus its position in its aggregate's stream and its provenance."""

    event_id: str
    aggregate_type: str
    aggregate_id: str
    aggregate_version: int
    occurred_at: datetime
    actor_id: str | None
    correlation_id: str
    causation_id: str
    event: Any

    @property
    def event_type(self) -> str:
        """The event's record name, e.g. ``TrackAdded``."""
        return type(self.event).__name__


class OutcomeStatus(StrEnum):
    """Whether the decider recorded the command's events or refused it."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


@dataclass(frozen=True, kw_only=True)
class CommandOutcome:
    """The decider's verdict, sent back to whoever waits on the correlation id."""

    command_id: str
    correlation_id: str
    aggregate_type: str
    aggregate_id: str
    status: OutcomeStatus
    aggregate_version: int
    event_count: int
    decided_at: datetime
    reason: str | None = None
    kind: str | None = None
    message: str | None = None
    details_json: str | None = None


@dataclass(frozen=True, kw_only=True)
class DeadLetter:
    """A record a processor gave up on, with the reason."""

    source_topic: str
    source_partition: int
    source_offset: int
    processor: str
    error_type: str
    error: str
    key: bytes | None
    value: bytes | None
    failed_at: datetime
