"""Project user events onto the ``users`` table."""

from __future__ import annotations

from pathlib import Path

from tuneton.domain.readmodel import EventMeta, RowOp, Update, Upsert
from tuneton.domain.user import events as e

NAME = "users"
TOPICS = ("tuneton.user.events",)
TABLES = ("users",)
SCHEMA = Path(__file__).with_name("schema.sql")


def project(event: e.UserEvent, meta: EventMeta) -> list[RowOp]:
    """Row operations for one user event."""
    key = {"user_id": meta.aggregate_id}
    at = int(meta.occurred_at.timestamp() * 1000)
    profile = {
        "display_name": event.display_name,
        "username": event.username,
        "language_code": event.language_code,
        "version": meta.aggregate_version,
        "updated_at": at,
    }
    match event:
        case e.UserRegistered():
            return [Upsert(table="users", key=key, values={**profile, "registered_at": at})]
        case e.ProfileUpdated():
            return [Update(table="users", key=key, values=profile)]
        case _:
            raise TypeError(f"unknown user event {type(event).__name__}")
