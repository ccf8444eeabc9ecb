"""Dependencies of the command API, as ``Annotated`` aliases (FastAPI style)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from commands.bus import CommandBus
from commands.ingest import IngestService
from commands.staging import BlobClaims
from tuneton.ports import BlobStore


async def get_bus(request: Request) -> CommandBus:
    """The process's command bus (created by the composition root)."""
    bus: CommandBus = request.app.state.command_bus
    return bus


async def current_user(
    request: Request,
    x_tuneton_user: Annotated[str | None, Header(description="Trusted user id (development auth).")] = None,
) -> str:
    """The authenticated user id. Until Telegram auth lands, a dev header is trusted when enabled."""
    if not request.app.state.settings.dev_auth:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "authentication is not configured")
    if not x_tuneton_user or len(x_tuneton_user) > 64 or not x_tuneton_user.isascii():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or malformed X-Tuneton-User header")
    return x_tuneton_user


async def command_id(
    idempotency_key: Annotated[
        str | None, Header(description="Client-chosen id; a retry with the same key gets the same outcome.")
    ] = None,
) -> str:
    """The command id: the client's Idempotency-Key, or a fresh UUID."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    if not 8 <= len(idempotency_key) <= 128 or not idempotency_key.isascii():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "Idempotency-Key must be 8-128 ASCII characters")
    return idempotency_key


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


async def is_admin(request: Request, user: Annotated[str, Depends(current_user)]) -> bool:
    """Whether the caller may change anybody's tracks (``TUNETON_ADMIN_IDS``)."""
    return user in request.app.state.settings.admin_ids


BusDep = Annotated[CommandBus, Depends(get_bus)]
IngestDep = Annotated[IngestService, Depends(get_ingest)]
BlobsDep = Annotated[BlobStore, Depends(get_blobs)]
ClaimsDep = Annotated[BlobClaims, Depends(get_claims)]
AdminDep = Annotated[bool, Depends(is_admin)]
CurrentUser = Annotated[str, Depends(current_user)]
CommandId = Annotated[str, Depends(command_id)]
