"""Errors of the event contract: a record that cannot be decoded is poison and goes to the DLQ."""

from __future__ import annotations

from tuneton.domain.errors import TuneTonError


class EventContractError(TuneTonError):
    """A record does not honour the Avro contract of its topic."""


class UndecodableRecord(EventContractError):
    """Bytes that are not Confluent wire-format Avro of a known schema."""


class UnknownTopic(EventContractError):
    """No schema is declared for the topic."""
