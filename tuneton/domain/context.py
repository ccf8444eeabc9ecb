"""What a decider needs to know about a command besides its fields: who and when.

Passed in rather than read inside the decider so decisions stay pure and a redelivered command decides
byte-identical events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, kw_only=True)
class CommandContext:
    """The trusted actor and the instant the command was accepted at the edge."""

    actor_id: str
    issued_at: datetime
