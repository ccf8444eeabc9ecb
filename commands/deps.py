"""Dependencies of the command API, as ``Annotated`` aliases (FastAPI style).

A command route takes ONE dependency, :data:`CommandCall` (the bus, the caller, the command id): each
node of FastAPI's dependency tree costs CPU on every request, and the HTTP edge is what limits the
embedded runtime's command throughput. Its parts are plain functions shared with ``CurrentUser`` and
``CommandId``, so both ways of reading the caller answer alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from commands.bus import CommandBus
from commands.ingest import IngestService
from commands.staging import BlobClaims
from tuneton.auth.http import Authorization, CurrentUser, DevUser, identify, required
from tuneton.events.envelope import name_based_id
from tuneton.ports import BlobStore

__all__ = ["BlobsDep", "BusDep", "Call", "ClaimsDep", "CommandCall", "CommandId", "CurrentUser", "IngestDep"]
_IDEMPOTENCY = uuid.UUID("4f7d1c2e-9a4b-5e8f-a1c3-0b6d2e7f9a51")  # namespace of scoped command ids


async def get_bus(request: Request) -> CommandBus:
    """The process's command bus (created by the composition root)."""
    bus: CommandBus = request.app.state.command_bus
    return bus


IdempotencyKey = Annotated[
    str | None, Header(description="Client-chosen id; a retry with the same key gets the same outcome.")
]


@dataclass(frozen=True, slots=True)
class Call:
    """What a command route needs of its request: the bus to submit to, the caller and the command id."""

    bus: CommandBus
    user: str
    command_id: str


async def command_call(
    request: Request,
    authorization: Authorization = None,
    x_tuneton_user: DevUser = None,
    idempotency_key: IdempotencyKey = None,
) -> Call:
    """The command call: 401 without valid credentials, 422 for a malformed Idempotency-Key.

    The headers are those of ``optional_user`` and ``command_id`` (the same OpenAPI parameters), read
    in one dependency: the identity and the id come from the same plain functions.
    """
    user = required(identify(request, authorization, x_tuneton_user))
    bus: CommandBus = request.app.state.command_bus
    return Call(bus=bus, user=user, command_id=choose_command_id(request, user, idempotency_key))


async def command_id(request: Request, user: CurrentUser, idempotency_key: IdempotencyKey = None) -> str:
    """The command id of a route that needs no bus (an upload submits through the ingest service)."""
    return choose_command_id(request, user, idempotency_key)


def choose_command_id(request: Request, user: str, idempotency_key: str | None) -> str:
    """The command id: the caller's Idempotency-Key scoped to the caller, or a fresh UUID.

    Keys are chosen by clients, so two callers may pick the same one: scoping it by the user id means
    another caller's key never replays this caller's outcome nor derives this caller's ids.
    """
    if idempotency_key is None:
        chosen = str(uuid.uuid4())
    elif not 8 <= len(idempotency_key) <= 128 or not idempotency_key.isascii():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Idempotency-Key must be 8-128 ASCII characters")
    else:
        chosen = scoped_command_id(user, idempotency_key)
    request.state.command_id = chosen  # a refusal at the edge (commands.errors) names it like the decider's
    return chosen


def scoped_command_id(user: str, idempotency_key: str) -> str:
    """The command id of ``user``'s ``idempotency_key``: a name-based UUID of both."""
    return name_based_id(_IDEMPOTENCY, f"{user}\n{idempotency_key}")


async def get_ingest(request: Request) -> IngestService:
    """The process's ingest service (created by the composition root)."""
    service: IngestService = request.app.state.ingest
    return service


async def get_blobs(request: Request) -> BlobStore:
    """The blob store."""
    blobs: BlobStore = request.app.state.blob_store
    return blobs


async def get_claims(request: Request) -> BlobClaims:
    """Keys in-flight uploads of this process are storing (see commands/staging.py)."""
    claims: BlobClaims = request.app.state.blob_claims
    return claims


BusDep = Annotated[CommandBus, Depends(get_bus)]
IngestDep = Annotated[IngestService, Depends(get_ingest)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
ClaimsDep = Annotated[BlobClaims, Depends(get_claims)]
CommandId = Annotated[str, Depends(command_id)]
CommandCall = Annotated[Call, Depends(command_call)]
