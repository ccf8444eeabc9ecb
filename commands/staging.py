"""Blobs written by one ingest, so that a failure takes back exactly what it stored and nothing else.

Keys are content-addressed, so two ingests can need the same blob: an album's cover, a placeholder
for the same (title, artist), or the very same file uploaded twice at once. An ingest therefore only
deletes keys it *created* (absent before its put), and not even those while another ingest in this
process has claimed the same key. Ingests in *other* processes are not seen; see docs/catalog.md for
that remaining window.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from commands.bus import CommandBus, CommandNotSubmitted, OutcomeTimeout
from tuneton.catalog_values import BlobInfo, content_key
from tuneton.domain.track.values import BlobRef, CoverRef
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.media.covers import CoverImage
from tuneton.ports import BlobStore

log = logging.getLogger(__name__)
COVER_SUFFIX = {"jpeg": ".jpg", "webp": ".webp"}


class BlobClaims:
    """Keys that in-flight ingests of this process have stored or are storing, with a count each."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()

    def claim(self, key: str) -> None:
        """Mark ``key`` as used by one more ingest."""
        self._counts[key] += 1

    def release(self, key: str) -> None:
        """One ingest is done with ``key``."""
        self._counts[key] -= 1
        if self._counts[key] <= 0:
            del self._counts[key]

    def shared(self, key: str) -> bool:
        """True while more than one in-flight ingest uses ``key``."""
        return self._counts[key] > 1


class StagedBlobs:
    """Puts blobs for one ingest and remembers which ones it created."""

    def __init__(self, store: BlobStore, claims: BlobClaims) -> None:
        self._store = store
        self._claims = claims
        self._claimed: list[str] = []
        self.created: list[str] = []

    async def put_file(self, key: str, path: Path, *, content_type: str) -> BlobInfo:
        """Store a local file under ``key`` unless it is already there (same key, same bytes)."""
        if await self._claimed_and_present(key):
            return await self._store.stat(key)
        self.created.append(key)  # before the put: a put that fails after storing (lost reply) is undone too
        return await self._store.put_file(key, path, content_type=content_type)

    async def put_bytes(self, key: str, data: bytes, *, content_type: str) -> BlobInfo:
        """Store small bytes under ``key`` unless already there."""
        if await self._claimed_and_present(key):
            return await self._store.stat(key)
        self.created.append(key)
        return await self._store.put_bytes(key, data, content_type=content_type)

    async def put_covers(self, images: Iterable[CoverImage]) -> tuple[CoverRef, ...]:
        """Store cover renditions, each under the SHA-256 of its own bytes; return their references."""
        covers = []
        for image in images:
            digest = hashlib.sha256(image.data).hexdigest()
            key = content_key("covers", digest, COVER_SUFFIX[image.format])
            await self.put_bytes(key, image.data, content_type=image.mime_type)
            blob = BlobRef(key=key, sha256=digest, size_bytes=len(image.data), mime_type=image.mime_type)
            covers.append(CoverRef(size=image.size, format=image.format, blob=blob))
        return tuple(covers)

    async def rollback(self) -> list[str]:
        """Delete the blobs this ingest created that no other in-flight ingest uses; return them."""
        deleted = []
        for key in reversed(self.created):
            if self._claims.shared(key):
                continue
            try:
                await self._store.delete(key)
                deleted.append(key)
            except Exception:  # keep rolling back the rest; the log names the orphan
                log.exception("could not delete blob %s while rolling back an ingest", key)
        self.created.clear()
        return deleted

    async def undo(self) -> None:
        """Roll back while the claims still protect keys others use, then let go of them."""
        try:
            await self.rollback()
        finally:
            self.release()

    def release(self) -> None:
        """Give up this ingest's claims (after commit or rollback)."""
        for key in self._claimed:
            self._claims.release(key)
        self._claimed.clear()

    async def _claimed_and_present(self, key: str) -> bool:
        self._claims.claim(key)
        self._claimed.append(key)
        return await self._store.exists(key)


async def submit_staged(
    bus: CommandBus, staged: StagedBlobs, envelope: CommandEnvelope, *, keep_reasons: frozenset[str] = frozenset()
) -> CommandOutcome:
    """Submit a command that names ``staged`` blobs; take them back unless the command may stand.

    Kept: on acceptance, on a rejection whose reason is in ``keep_reasons``, and when the verdict is
    unknown (timeout, the log's deadline or refusal, cancellation: the command may still land, be
    decided and its track need the blobs). Taken back: on any other rejection.
    """
    try:
        outcome = await bus.submit(envelope)
    except (OutcomeTimeout, CommandNotSubmitted, asyncio.CancelledError):
        staged.release()
        raise
    except BaseException:
        await staged.undo()
        raise
    if outcome.status is OutcomeStatus.ACCEPTED or outcome.reason in keep_reasons:
        staged.release()
    else:
        await staged.undo()
    return outcome
