"""Dependencies of the command API, as ``Annotated`` aliases (FastAPI style)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from commands.bus import CommandBus
from commands.ingest import IngestService
from commands.staging import BlobClaims
from tuneton.auth.http import AdminDep, CurrentUser
from tuneton.ports import BlobStore

__all__ = ["AdminDep", "BlobsDep", "BusDep", "ClaimsDep", "CommandId", "CurrentUser", "IngestDep"]
_IDEMPOTENCY = uuid.UUID("4f7d1c2e-9a4b-5e8f-a1c3-0b6d2e7f9a51")  # namespace of scoped command ids


async def get_bus(request: Request) -> CommandBus:
    """The process's command bus (created by the composition root)."""
    bus: CommandBus = request.app.state.command_bus
    return bus


async def command_id(
    request: Request,
    user: CurrentUser,
    idempotency_key: Annotated[
        str | None, Header(description="Client-chosen id; a retry with the same key gets the same outcome.")
    ] = None,
) -> str:
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
    return str(uuid.uuid5(_IDEMPOTENCY, f"{user}\n{idempotency_key}"))


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
