"""Ingest: an uploaded file becomes stored blobs plus one ``RegisterTrack`` command — or nothing at all.

Order, and why:

1. Spool the upload to a temp file while hashing it, cut off at the size limit (memory stays flat).
2. Same bytes already a track the uploader may see (read model by SHA-256)? Answer with it: nothing
   is decoded, stored or published.
3. Probe, tags, covers and the streaming rendition, all from the temp files. Every refusal
   (``MediaError``) happens here, before anything is stored. The analysis (BPM, key, loudness) runs
   alongside them; it is an extra, so any failure of it registers the track without one.
4. Store the blobs under content-addressed keys, then send ``RegisterTrack``. If storing or
   submitting fails, or the decider refuses, the blobs this ingest created are deleted again, so no
   orphan remains and no event exists. Two exceptions keep the blobs: a timeout or cancellation while
   waiting for the verdict (the command may still be decided: its track will need them), and
   ``track_exists`` (a concurrent identical upload won; its blobs are these very keys).

The track id is derived from (content hash, uploader): a racing duplicate of the same uploader meets
the first one at the decider, the single writer, and is answered as a duplicate.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from commands.bus import CommandBus
from commands.dispatch import envelope_for
from commands.ingest_steps import MediaSteps
from commands.multipart import UploadError
from commands.staging import BlobClaims, StagedBlobs, submit_staged
from tuneton.catalog_values import content_key
from tuneton.domain.track import commands as c
from tuneton.domain.track.values import AudioFacts, BlobRef, Rendition, TrackAnalysis, TrackMetadata, Visibility
from tuneton.events.envelope import CommandOutcome, OutcomeStatus
from tuneton.media.covers import CoverSet
from tuneton.media.fingerprint import Fingerprint, sha256_file, spool
from tuneton.media.probe import AudioInfo
from tuneton.media.rendition import RenditionSpec
from tuneton.media.tags import TrackTags
from tuneton.ports import BlobStore, ReadStore

log = logging.getLogger(__name__)
_DUPLICATE = frozenset({"track_exists"})  # a concurrent identical upload won: same keys, keep them
_TRACK_IDS = uuid.UUID("0f1c8d52-3f0e-4b8e-9a57-1c7e2d4b6a93")
ORIGINAL_SUFFIX = {"mp3": ".mp3", "aac": ".aac", "flac": ".flac", "wav": ".wav", "aiff": ".aiff", "ogg": ".ogg",
                   "mp4": ".m4a"}  # fmt: skip


def clear_leftovers(tmp_dir: Path, *, older_than_s: float = 3600) -> int:
    """Delete work directories of ingests that died with their process; returns how many went."""
    if not tmp_dir.is_dir():
        return 0
    cutoff = time.time() - older_than_s
    stale = [d for d in tmp_dir.glob("ingest-*") if d.is_dir() and d.stat().st_mtime < cutoff]
    for directory in stale:
        shutil.rmtree(directory, ignore_errors=True)
    return len(stale)


def track_id_for(sha256: str, uploader: str) -> str:
    """The id a file's track gets for this uploader: stable, so a retried or racing upload meets itself."""
    return str(uuid.uuid5(_TRACK_IDS, f"{sha256}/{uploader}"))


class UploadSource(Protocol):
    """Where an upload's bytes come from (a multipart request, a local file) and what came with them."""

    @property
    def file_name(self) -> str | None:
        """The name the uploader gave (known once the chunks have been read)."""
        ...

    @property
    def fields(self) -> Mapping[str, str]:
        """Small form fields that came with the file (complete once the chunks have been read)."""
        ...

    def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes."""
        ...


class IngestRejected(Exception):
    """The decider refused the ``RegisterTrack`` (the outcome says why); nothing was kept."""

    def __init__(self, outcome: CommandOutcome) -> None:
        super().__init__(outcome.message or outcome.reason or "rejected")
        self.outcome = outcome


@dataclass(frozen=True, kw_only=True)
class Ingested:
    """The result: a new track (with the decider's outcome) or the existing one for the same bytes."""

    track_id: str
    duplicate: bool
    title: str | None = None
    outcome: CommandOutcome | None = None


@dataclass(frozen=True, kw_only=True)
class _Prepared:
    """Everything learnt from the temp files, before anything is stored."""

    original: Path
    fingerprint: Fingerprint
    info: AudioInfo
    tags: TrackTags
    covers: CoverSet
    rendition: Path
    spec: RenditionSpec
    rendition_print: Fingerprint
    analysis: TrackAnalysis | None


class DuplicateFinder:
    """Looks up a live track with the same content hash that the uploader may see (tracks read model)."""

    def __init__(self, store: ReadStore) -> None:
        self._store = store

    async def find(self, sha256: str, viewer: str) -> str | None:
        """The uploader's own track first, else a public or unlisted one; None when there is none."""
        rows = await self._store.fetch_all(
            "SELECT track_id FROM tracks WHERE content_sha256 = :sha AND (owner_id = :viewer OR visibility <> "
            "'private') ORDER BY CASE WHEN owner_id = :viewer THEN 0 ELSE 1 END, created_at, track_id LIMIT 1",
            {"sha": sha256, "viewer": viewer},
        )
        return str(rows[0]["track_id"]) if rows else None


class IngestService:
    """Turns uploads into tracks through the blob store and the command bus."""

    def __init__(
        self,
        *,
        blobs: BlobStore,
        bus: CommandBus,
        duplicates: DuplicateFinder,
        steps: MediaSteps,
        tmp_dir: Path,
        max_bytes: int,
        claims: BlobClaims | None = None,
    ) -> None:
        self._blobs = blobs
        self._bus = bus
        self._duplicates = duplicates
        self._steps = steps
        self._tmp_dir = tmp_dir
        self._max_bytes = max_bytes
        self._claims = claims or BlobClaims()

    async def ingest(
        self, upload: UploadSource, *, uploader: str, command_id: str, visibility: str | None = None
    ) -> Ingested:
        """Ingest one upload (see the module docstring for the steps and their guarantees)."""
        self._tmp_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self._tmp_dir, prefix="ingest-") as work:
            original = Path(work) / "original"
            with original.open("wb") as target:
                fingerprint = await spool(upload.chunks(), target, max_bytes=self._max_bytes)
            chosen = _visibility(visibility or upload.fields.get("visibility"))
            existing = await self._duplicates.find(fingerprint.sha256, uploader)
            if existing is not None:
                return Ingested(track_id=existing, duplicate=True)
            prepared = await self._prepare(original, fingerprint, upload.file_name, Path(work))
            return await self._register(prepared, uploader=uploader, command_id=command_id, visibility=chosen)

    async def _prepare(self, original: Path, fingerprint: Fingerprint, file_name: str | None, work: Path) -> _Prepared:
        info = await self._steps.probe(original)
        analysis = asyncio.create_task(_analysed(self._steps, original, info))
        try:
            tags = await self._steps.tags(original, container=info.container, file_name=file_name)
            covers = await self._steps.covers(original, container=info.container, tags=tags)
            rendition = work / "stream"
            spec = await self._steps.render(original, rendition, info=info)
            rendition_print = await asyncio.to_thread(sha256_file, rendition)
        except BaseException:
            analysis.cancel()
            raise
        return _Prepared(
            original=original,
            fingerprint=fingerprint,
            info=info,
            tags=tags,
            covers=covers,
            rendition=rendition,
            spec=spec,
            rendition_print=rendition_print,
            analysis=await analysis,
        )

    async def _register(
        self, prepared: _Prepared, *, uploader: str, command_id: str, visibility: Visibility
    ) -> Ingested:
        track_id = track_id_for(prepared.fingerprint.sha256, uploader)
        staged = StagedBlobs(self._blobs, self._claims)
        try:
            command = await _store(staged, prepared, track_id=track_id, visibility=visibility)
        except BaseException:
            await staged.undo()
            raise
        envelope = envelope_for(command, aggregate_id=track_id, actor_id=uploader, command_id=command_id)
        outcome = await submit_staged(self._bus, staged, envelope, keep_reasons=_DUPLICATE)
        title = command.metadata.title
        if outcome.status is OutcomeStatus.ACCEPTED:
            return Ingested(track_id=track_id, duplicate=False, title=title, outcome=outcome)
        if outcome.reason in _DUPLICATE:
            return Ingested(track_id=track_id, duplicate=True, title=title)
        raise IngestRejected(outcome)


async def _store(staged: StagedBlobs, prepared: _Prepared, *, track_id: str, visibility: Visibility) -> c.RegisterTrack:
    """Put the original, the rendition and the covers; return the command that names them."""
    info, print_ = prepared.info, prepared.fingerprint
    suffix = ".opus" if info.codec == "opus" else ORIGINAL_SUFFIX.get(info.container, "")
    original_key = content_key("originals", print_.sha256, suffix)
    await staged.put_file(original_key, prepared.original, content_type=info.mime_type)
    spec, rendition_print = prepared.spec, prepared.rendition_print
    rendition_key = content_key("renditions", rendition_print.sha256, spec.suffix)
    await staged.put_file(rendition_key, prepared.rendition, content_type=spec.mime_type)
    covers = await staged.put_covers(prepared.covers.images)
    return c.RegisterTrack(
        track_id=track_id,
        content_sha256=print_.sha256,
        original=BlobRef(key=original_key, sha256=print_.sha256, size_bytes=print_.size, mime_type=info.mime_type),
        audio=AudioFacts(
            container=info.container,
            codec=info.codec,
            duration_ms=round(info.duration_s * 1000),
            sample_rate=info.sample_rate,
            channels=info.channels,
            bitrate=info.bitrate,
        ),
        renditions=(
            Rendition(
                name=spec.name,
                codec=spec.codec,
                bitrate=spec.bitrate,
                blob=BlobRef(
                    key=rendition_key,
                    sha256=rendition_print.sha256,
                    size_bytes=rendition_print.size,
                    mime_type=spec.mime_type,
                ),
            ),
        ),
        covers=covers,
        cover_source=prepared.covers.source,
        metadata=_metadata(prepared.tags),
        visibility=visibility,
        analysis=prepared.analysis,
    )


async def _analysed(steps: MediaSteps, original: Path, info: AudioInfo) -> TrackAnalysis | None:
    """The track's analysis, or None: a failure here must never fail the upload."""
    try:
        return await steps.analyse(original, info=info)
    except Exception:
        log.warning("analysis failed; the track is registered without one", exc_info=True)
        return None


def _metadata(tags: TrackTags) -> TrackMetadata:
    return TrackMetadata(
        title=tags.title,
        artists=tags.artists,
        album=tags.album,
        album_artist=tags.album_artist,
        track_number=tags.track_number,
        track_total=tags.track_total,
        disc_number=tags.disc_number,
        disc_total=tags.disc_total,
        year=tags.year,
        genre=tags.genre,
        isrc=tags.isrc,
    )


def _visibility(value: str | None) -> Visibility:
    if value is None or not value.strip():
        return Visibility.PRIVATE  # like playlists: nothing is shown to others unless the uploader says so
    try:
        return Visibility(value.strip().lower())
    except ValueError:
        choices = ", ".join(v.value for v in Visibility)
        raise UploadError("invalid_visibility", f"visibility must be one of {choices}", status=422) from None
