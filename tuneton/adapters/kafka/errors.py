"""Adapter errors of the Kafka side: their own branch of the tree, apart from domain rejections.

Callers (the API's readiness probe, the processors' supervisors) catch these to tell "the cluster or
registry misbehaved" from "the command was rejected"; the client library's exception stays the
``__cause__`` so the log line still says which broker call failed.
"""

from __future__ import annotations

from tuneton.domain.errors import TuneTonError


class KafkaAdapterError(TuneTonError):
    """Kafka or the schema registry failed to do what the port promised."""


class KafkaUnknownTopicError(KafkaAdapterError, LookupError):
    """The topic does not exist (auto-creation is off on purpose); a LookupError like the embedded log's."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"unknown topic {topic}")
        self.topic = topic


class SchemaRegistryError(KafkaAdapterError):
    """The Confluent-API registry refused or failed a request."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
