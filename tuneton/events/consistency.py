"""Consistency tokens: "the read model must reflect version V of aggregate A" as an opaque string.

The command API returns one with every accepted command; the query API waits (bounded) until the
projection has applied that version before answering, which gives read-your-writes over CQRS.
Versions survive projection rebuilds, unlike log offsets, which is why the token names a version.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

from tuneton.events.errors import EventContractError


class BadConsistencyToken(EventContractError):
    """The token is not one this service issued."""


@dataclass(frozen=True, kw_only=True)
class ConsistencyToken:
    """Aggregate type, id and the stream version a reader must see."""

    aggregate_type: str
    aggregate_id: str
    version: int

    def encode(self) -> str:
        """URL-safe opaque form."""
        body = json.dumps([self.aggregate_type, self.aggregate_id, self.version], separators=(",", ":"))
        return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> ConsistencyToken:
        """Parse a token from ``encode``; raises ``BadConsistencyToken``."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            aggregate_type, aggregate_id, version = json.loads(raw)
            if not (isinstance(aggregate_type, str) and isinstance(aggregate_id, str) and isinstance(version, int)):
                raise TypeError
        except (ValueError, TypeError) as exc:
            raise BadConsistencyToken("malformed consistency token") from exc
        return cls(aggregate_type=aggregate_type, aggregate_id=aggregate_id, version=version)
