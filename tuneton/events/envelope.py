"""Envelopes: the metadata every command, event and outcome carries around its domain payload."""

from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# Namespace for ids derived from a command id: a redelivered command derives the very same ids.
_DERIVED_IDS = uuid.UUID("5b0f3c43-8f7e-4a5e-9d1c-2f8f3e4d7a10")


def name_based_id(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))`` (RFC 4122's name-based SHA-1 UUID), formatted from the digest.

    The uuid module goes through a 128-bit integer and a ``UUID`` object on the way; the ids of every
    event, added item and keyed command are made here, and doing without that detour saved 1.5 % of
    the embedded worker's instructions per command (BENCHMARKS.md, ``benchmarks/worker_batches.py``).
    A property test holds the two equal.
    """
    digest = bytearray(hashlib.sha1(_bytes_of(namespace) + name.encode(), usedforsecurity=False).digest()[:16])
    digest[6] = digest[6] & 0x0F | 0x50  # version 5
    digest[8] = digest[8] & 0x3F | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.cache
def _bytes_of(namespace: uuid.UUID) -> bytes:
    return namespace.bytes  # a property that converts the 128-bit integer on each call


def derived_id(command_id: str, purpose: str) -> str:
    """A stable UUID for ``purpose`` within ``command_id`` (event ids, item ids)."""
    return name_based_id(_DERIVED_IDS, f"{command_id}/{purpose}")


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
