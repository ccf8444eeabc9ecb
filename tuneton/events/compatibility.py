"""Avro schema compatibility (placeholder signature; implemented with tests by the contract work)."""

from __future__ import annotations

from typing import Any

from tuneton.events.errors import EventContractError


class IncompatibleSchema(EventContractError):
    """A new schema version cannot read data written with the previous one."""

    def __init__(self, subject: str, problems: list[str]) -> None:
        super().__init__(f"{subject}: " + "; ".join(problems))
        self.subject = subject
        self.problems = problems


def backward_problems(reader: Any, writer: Any) -> list[str]:
    """Why ``reader`` cannot read data written with ``writer`` (empty list: compatible)."""
    raise NotImplementedError
