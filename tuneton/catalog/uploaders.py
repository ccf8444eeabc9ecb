"""Where ``tuneton import`` and ``tuneton demo`` send files: the ingest service in this process, or a
running server over HTTP (``--api``) — the embedded log has one owner process, so while ``tuneton
serve`` runs, import through it.

Either way a file ends as one :class:`FileResult`: imported, duplicate, or failed with the same
machine-readable reason the upload endpoint would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import httpx

from commands.bus import OutcomeTimeout
from commands.ingest import IngestRejected, IngestService
from commands.multipart import UploadError
from tuneton.media.errors import MediaError

Status = Literal["imported", "duplicate", "failed"]
CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class FileResult:
    """What happened to one file."""

    status: Status
    track_id: str | None = None
    reason: str | None = None
    message: str | None = None


class Uploader(Protocol):
    """Turns one local file into a track (or a refusal)."""

    async def upload(self, path: Path, *, name: str, command_id: str) -> FileResult:
        """Ingest ``path``, presenting it as ``name``; ``command_id`` makes a retry idempotent."""
        ...


@dataclass
class FileSource:
    """A local file as an upload source, read in chunks off the event loop."""

    path: Path
    file_name: str | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes."""
        with self.path.open("rb") as fh:
            while chunk := await asyncio.to_thread(fh.read, CHUNK_BYTES):
                yield chunk


class LocalUploader:
    """Ingest in this process, through the same service (and bus) the HTTP endpoint uses."""

    def __init__(self, service: IngestService, *, user: str, visibility: str) -> None:
        self._service, self._user, self._visibility = service, user, visibility

    async def upload(self, path: Path, *, name: str, command_id: str) -> FileResult:
        """Ingest ``path``; refusals become failed results, other errors propagate."""
        try:
            result = await self._service.ingest(
                FileSource(path, file_name=name),
                uploader=self._user,
                command_id=command_id,
                visibility=self._visibility,
            )
        except (MediaError, UploadError) as refused:
            return FileResult(status="failed", reason=refused.reason, message=refused.message)
        except IngestRejected as rejected:
            return FileResult(status="failed", reason=rejected.outcome.reason, message=rejected.outcome.message)
        except OutcomeTimeout:
            return FileResult(status="failed", reason="timeout", message="no verdict in time; run the import again")
        return FileResult(status="duplicate" if result.duplicate else "imported", track_id=result.track_id)


class HttpUploader:
    """Upload to a running server's ``POST /v1/tracks``."""

    def __init__(
        self, base_url: str, *, user: str, visibility: str, token: str | None = None, timeout_s: float = 600
    ) -> None:
        # an access token (TUNETON_API_TOKEN) signs in anywhere; the dev header only on a dev-mode server
        headers = {"Authorization": f"Bearer {token}"} if token else {"X-Tuneton-User": user}
        self._client = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout_s)
        self._visibility = visibility

    async def upload(self, path: Path, *, name: str, command_id: str) -> FileResult:
        """Upload ``path``; 4xx answers become failed results, 5xx raise."""
        with path.open("rb") as fh:
            response = await self._client.post(
                "/v1/tracks",
                params={"visibility": self._visibility},
                files={"file": (name, fh)},
                headers={"Idempotency-Key": command_id},
            )
        if response.status_code >= 500:
            response.raise_for_status()
        body = response.json()
        if response.status_code in {200, 201}:
            status: Status = "duplicate" if body.get("duplicate") else "imported"
            return FileResult(status=status, track_id=body["track_id"])
        return FileResult(
            status="failed", reason=body.get("reason", str(response.status_code)), message=body.get("message")
        )

    async def close(self) -> None:
        """Release the connection pool."""
        await self._client.aclose()
