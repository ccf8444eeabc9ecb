"""Replace a track's cover with an uploaded image: render the fixed sizes, store them, send ``ReplaceCover``.

The image is read into memory, but never more than :data:`~tuneton.media.covers.MAX_COVER_BYTES`
(the renderer's own limit): a cover is small, and Pillow needs the whole file anyway. Failure
handling is the ingest's: blobs this request created are taken back unless the command may stand.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from commands.dispatch import envelope_for
from commands.staging import BlobClaims, StagedBlobs, submit_staged
from tuneton.domain.track import commands as c
from tuneton.events.envelope import CommandOutcome
from tuneton.media.covers import MAX_COVER_BYTES, render_cover
from tuneton.media.errors import MediaTooLarge
from tuneton.ports import BlobStore

if TYPE_CHECKING:
    from commands.deps import Call


async def read_limited(chunks: AsyncIterator[bytes], *, limit: int = MAX_COVER_BYTES) -> bytes:
    """The whole stream, or :class:`MediaTooLarge` as soon as it exceeds ``limit`` bytes."""
    data = bytearray()
    async for chunk in chunks:
        data.extend(chunk)
        if len(data) > limit:
            raise MediaTooLarge(f"a cover image may have at most {limit} bytes", limit=limit)
    return bytes(data)


async def replace_cover(
    image: bytes,
    *,
    track_id: str,
    call: Call,
    admin: bool,
    blobs: BlobStore,
    claims: BlobClaims,
) -> CommandOutcome:
    """Render ``image`` (raises ``InvalidCover``), store the renditions and submit ``ReplaceCover``."""
    rendered = await asyncio.to_thread(render_cover, image)
    staged = StagedBlobs(blobs, claims)
    try:
        covers = await staged.put_covers(rendered)
    except BaseException:
        await staged.undo()
        raise
    command = c.ReplaceCover(track_id=track_id, covers=covers, cover_source="uploaded", admin=admin)
    envelope = envelope_for(command, aggregate_id=track_id, actor_id=call.user, command_id=call.command_id)
    return await submit_staged(call.bus, staged, envelope)
