"""The file-understanding steps of an ingest, each run in a worker thread so the event loop stays free.

A class rather than loose functions so tests can fail any single step through a subclass (the seam
the atomicity tests inject failures at), and so ffmpeg-bound work is bounded by one semaphore.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tuneton.audio.analysis import analyse
from tuneton.audio.decode import decode
from tuneton.audio.errors import AnalysisError
from tuneton.domain.errors import InvalidValue
from tuneton.domain.track.rules import check_analysis
from tuneton.domain.track.values import TrackAnalysis
from tuneton.media.covers import CoverSet, covers_for
from tuneton.media.probe import AudioInfo, probe
from tuneton.media.rendition import RenditionSpec, render_stream
from tuneton.media.tags import TrackTags, read_tags

# Tempo and key need nothing above ~5 kHz: at 22.05 kHz (librosa's analysis rate) a 3-minute track
# analyses in ~1 s instead of ~5 s at 44.1 kHz, with the same BPM and key (docs/catalog.md).
ANALYSIS_SR = 22050
# Tempo and key look at a one-minute excerpt (tuneton.audio.analysis.EXCERPT_S); loudness reads the
# whole decode in float64 (~0.35 MB per second at 22.05 kHz stereo): longer uploads (mixes, whole
# albums) are registered without analysis rather than hold that much memory.
MAX_ANALYSED_S = 600.0


def analyse_file(path: Path) -> TrackAnalysis | None:
    """Tempo, key and loudness of an audio file; None when there is nothing to measure (silence, < 1 s).

    Loudness is measured on both channels (BS.1770 sums channel energies); tempo and key on their mix.
    Raises ``DecodeError`` when the file cannot be decoded.
    """
    y = decode(path, sr=ANALYSIS_SR, channels=2)
    try:
        found = analyse(y, sr=ANALYSIS_SR)
    except AnalysisError:
        return None
    measured = TrackAnalysis(
        bpm=round(found.bpm, 2),
        key_tonic=found.key.tonic,
        key_mode=found.key.mode,
        key_confidence=round(found.key.confidence, 3),
        lufs=round(found.lufs, 2),
        peak_dbfs=round(found.peak_dbfs, 2),
    )
    try:
        check_analysis(measured)  # e.g. -inf LUFS: audible enough for a tempo, too quiet for the loudness gate
    except InvalidValue:
        return None
    return measured


class MediaSteps:
    """Probe, tags, covers, the streaming rendition and the analysis of a spooled upload."""

    def __init__(self, *, concurrency: int | None = None) -> None:
        # ffmpeg and Pillow are CPU-bound: more parallel ingests than cores only add latency.
        self._cpu = asyncio.Semaphore(concurrency or os.cpu_count() or 1)
        # One analysis at a time bounds its memory; its own thread keeps the bound even when an
        # ingest is cancelled mid-analysis (the thread finishes, the next analysis waits for it).
        self._analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tuneton-analysis")

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

    async def analyse(self, path: Path, *, info: AudioInfo) -> TrackAnalysis | None:
        """BPM, key and loudness, or None (nothing to measure, or longer than ``MAX_ANALYSED_S``)."""
        if info.duration_s > MAX_ANALYSED_S:
            return None
        async with self._cpu:
            return await asyncio.get_running_loop().run_in_executor(self._analysis, analyse_file, path)
