"""The file-understanding steps of an ingest, each run in a worker thread so the event loop stays free.

A class rather than loose functions so tests can fail any single step through a subclass (the seam
the atomicity tests inject failures at), and so ffmpeg-bound work is bounded by one semaphore.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from tuneton.media.covers import CoverSet, covers_for
from tuneton.media.probe import AudioInfo, probe
from tuneton.media.rendition import RenditionSpec, render_stream
from tuneton.media.tags import TrackTags, read_tags


class MediaSteps:
    """Probe, tags, covers and the streaming rendition of a spooled upload."""

    def __init__(self, *, concurrency: int | None = None) -> None:
        # ffmpeg and Pillow are CPU-bound: more parallel ingests than cores only add latency.
        self._cpu = asyncio.Semaphore(concurrency or os.cpu_count() or 1)

    async def probe(self, path: Path) -> AudioInfo:
        """Sniff and probe (raises a ``MediaError`` with the refusal reason)."""
        async with self._cpu:
            return await asyncio.to_thread(probe, path)

    async def tags(self, path: Path, *, container: str, file_name: str | None) -> TrackTags:
        """Cleaned tags; the title falls back to the uploaded file's name."""
        return await asyncio.to_thread(read_tags, path, container=container, file_name=file_name)

    async def covers(self, path: Path, *, container: str, tags: TrackTags) -> CoverSet:
        """Embedded art at fixed sizes, or the deterministic placeholder."""
        async with self._cpu:
            return await asyncio.to_thread(
                covers_for, path, container=container, title=tags.title, artists=tags.artists
            )

    async def render(self, path: Path, target: Path, *, info: AudioInfo) -> RenditionSpec:
        """The streaming rendition of ``path`` into ``target``."""
        async with self._cpu:
            return await asyncio.to_thread(render_stream, path, target, info=info)
