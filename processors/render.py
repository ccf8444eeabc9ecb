"""The render step: ``TransformRequested`` in, a stored progressive asset and the processor's reports out.

Runtime-agnostic like the other steps: the embedded :class:`~processors.embedded.RenderRunner` and the
Faust ``render`` agent both call :meth:`RenderStep.decode` and :meth:`RenderStep.run`.

* The DSP runs in a process pool (``run_in_executor``): the event loop keeps serving, uploading and
  deciding while a render takes seconds of CPU.
* While the job runs, the step watches the encoder's directory and copies each finished segment to
  the blob store *before* the playlist that lists it, so a player never sees a segment it cannot
  fetch. ``#EXT-X-ENDLIST`` reaches the blob store only with the final playlist, after every segment.
* The step reports through commands to the render decider (progress, completion, failure); their ids
  derive from (asset key, attempt, purpose), so a report sent twice is decided once.
* Exactly one completion per attempt, whatever is redelivered: the decider ignores a second
  ``CompleteRender``; an ``asset.json`` marker written after the last object lets a redelivered
  request whose render already finished report completion without rendering again; in-flight
  duplicates (redelivery while rendering) join the running render instead of starting another.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import functools
import json
import logging
import multiprocessing
import shutil
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from processors.render_job import JobOutcome, die_with_parent, run_render_job, warm_up
from tuneton.audio import hls
from tuneton.audio.analysis import parse_key, shifted_bpm, shifted_key
from tuneton.audio.encode import BITRATES, MP3_FILE, PLAYLIST
from tuneton.audio.engines import get_engine
from tuneton.audio.errors import AudioError
from tuneton.audio.params import OutputFormat, Quality, RenderParams
from tuneton.audio.pipeline import SAMPLE_RATE, progress_total
from tuneton.catalog_values import BlobError, BlobNotFound
from tuneton.domain.render import commands as rc
from tuneton.domain.render.events import TransformRequested
from tuneton.domain.render.values import FailureReason, Musical, RenderedAsset, SourceAudio, TransformParams
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import CommandEnvelope, derived_id
from tuneton.observability import metrics
from tuneton.ports import BlobStore, LogRecord, OutgoingRecord

log = logging.getLogger(__name__)

GROUP = "tuneton-render"
ACTOR = "render-processor"
MARKER = "asset.json"
POLL_S = 0.02  # how often the encoder's directory is checked for finished segments
PROGRESS_EVERY_S = 0.5  # at most this often a progress report (the playlist itself grows per segment)
CONTENT_TYPES = {".m3u8": "application/vnd.apple.mpegurl", ".mp4": "audio/mp4", ".m4s": "audio/mp4",
                 ".mp3": "audio/mpeg"}  # fmt: skip

T = TypeVar("T")
Submit = Callable[[list[OutgoingRecord]], Awaitable[None]]


def render_prefix(asset_key: str) -> str:
    """Blob key prefix of every object of one rendered asset."""
    return f"renders/{asset_key}/"


@dataclass(frozen=True, kw_only=True)
class RenderJob:
    """One requested render, decoded from its ``TransformRequested`` event."""

    asset_key: str
    attempt: int
    source: SourceAudio
    params: TransformParams
    engine: str
    engine_version: str


class RenderStep:
    """Renders requested assets into the blob store and reports to the render decider."""

    def __init__(self, codec: AvroCodec, blobs: BlobStore, submit: Submit, executor: Executor, work_dir: Path) -> None:
        self._codec = codec
        self._blobs = blobs
        self._submit = submit
        self._executor = executor
        self._work_dir = work_dir
        self._in_flight: dict[tuple[str, int], asyncio.Task[None]] = {}

    async def decode(self, record: LogRecord) -> RenderJob | None:
        """The job a render event asks for; None for events that are not requests (raises for poison)."""
        envelope = await self._codec.decode_event(record.topic, record.value)
        event = envelope.event
        if not isinstance(event, TransformRequested):
            return None
        return RenderJob(
            asset_key=envelope.aggregate_id,
            attempt=event.attempt,
            source=event.source,
            params=event.params,
            engine=event.engine,
            engine_version=event.engine_version,
        )

    async def run(self, job: RenderJob) -> None:
        """Render ``job`` (or join its render already in flight) and report the result."""
        key = (job.asset_key, job.attempt)
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._render(job))
            self._in_flight[key] = task
            task.add_done_callback(lambda _: self._in_flight.pop(key, None))
            metrics.RENDERS_STARTED.inc()
        else:
            metrics.RENDERS_COALESCED.inc()
        await asyncio.shield(task)

    async def _render(self, job: RenderJob) -> None:
        prefix = render_prefix(job.asset_key)
        finished = await self._finished_asset(prefix)
        if finished is not None:
            await self._send(job, rc.CompleteRender(asset_key=job.asset_key, attempt=job.attempt, asset=finished),
                             "complete")  # fmt: skip
            return
        try:
            params = _render_params(job.params)
            _check_engine(job)
        except AudioError as error:
            await self.fail(job, FailureReason.OUT_OF_RANGE, str(error))
            return
        work = self._work_dir / f"{job.asset_key}-{job.attempt}-{uuid.uuid4().hex[:8]}"  # never shared
        work.mkdir(parents=True)
        try:
            await self._render_in(work, job, params, prefix)
        except BlobNotFound:
            await self.fail(job, FailureReason.UNDECODABLE_SOURCE, "the source audio is no longer stored")
        except BlobError as error:
            log.warning("render %s: blob store failed: %r", job.asset_key, error)
            await self.fail(job, FailureReason.INTERNAL, f"storage: {error}")
        finally:
            shutil.rmtree(work, ignore_errors=True)

    async def _render_in(self, work: Path, job: RenderJob, params: RenderParams, prefix: str) -> None:
        source = work / "source"
        await self._download(job.source.blob_key, source)
        out = work / "out"
        total = progress_total(job.source.duration_ms / 1000, params=params)
        publisher = SegmentPublisher(self._blobs, prefix=prefix, out_dir=out, params=params, expected=total)
        frames_hint = round(job.source.duration_ms / 1000 * SAMPLE_RATE)
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        future = loop.run_in_executor(
            self._executor, run_render_job, str(source), str(out), params, job.engine, frames_hint
        )
        reported, last_report = 0, 0.0
        while True:
            done, _ = await asyncio.wait({future}, timeout=POLL_S)
            ready = await publisher.publish(final=False)
            if ready > reported and (reported == 0 or time.perf_counter() - last_report >= PROGRESS_EVERY_S):
                if reported == 0:
                    metrics.RENDER_FIRST_SEGMENT.observe(time.perf_counter() - started)
                reported, last_report = ready, time.perf_counter()
                progress = rc.RecordRenderProgress(
                    asset_key=job.asset_key, attempt=job.attempt, segments_ready=ready,
                    segments_total=max(total, ready), rendered_ms=publisher.rendered_ms, entry_key=publisher.entry_key,
                )  # fmt: skip
                await self._send(job, progress, f"progress/{ready}")
            if done:
                break
        outcome: JobOutcome = future.result()
        if not outcome.ok:
            await self.fail(job, FailureReason(outcome.failure or "internal"), outcome.detail)
            return
        segments = await publisher.publish(final=True)
        asset = RenderedAsset(
            entry_key=publisher.entry_key,
            prefix=prefix,
            output_format=params.output_format.value,
            segment_count=segments,
            duration_ms=round(outcome.frames * 1000 / outcome.sr),
            size_bytes=publisher.size_bytes,
            musical=predicted_musical(job.source.musical, params, lufs=outcome.lufs),
        )
        marker = json.dumps(asdict(asset), sort_keys=True).encode()
        await self._blobs.put_bytes(prefix + MARKER, marker, content_type="application/json")
        metrics.RENDER_SECONDS.observe(time.perf_counter() - started)
        await self._send(job, rc.CompleteRender(asset_key=job.asset_key, attempt=job.attempt, asset=asset), "complete")

    async def _finished_asset(self, prefix: str) -> RenderedAsset | None:
        """The asset described by a completion marker, if an earlier delivery already stored it all."""
        try:
            data = json.loads(await self._blobs.read_bytes(prefix + MARKER))
        except BlobNotFound:
            return None
        musical = data.pop("musical", None)
        return RenderedAsset(**data, musical=Musical(**musical) if musical else None)

    async def _download(self, key: str, path: Path) -> None:
        read = await self._blobs.get(key)
        with path.open("wb") as handle:
            async for chunk in read.chunks():
                handle.write(chunk)

    async def fail(self, job: RenderJob, reason: FailureReason, detail: str) -> None:
        """Report ``job`` failed to the render decider (the scheduler's last word on an unexpected failure)."""
        metrics.RENDERS_FAILED.labels(reason.value).inc()
        log.warning("render %s attempt %s failed: %s (%s)", job.asset_key, job.attempt, reason.value, detail)
        command = rc.FailRender(asset_key=job.asset_key, attempt=job.attempt, reason=reason, detail=detail[:500])
        await self._send(job, command, "fail")

    async def _send(self, job: RenderJob, command: Any, purpose: str) -> None:
        command_id = derived_id(f"render:{job.asset_key}:{job.attempt}", purpose)
        envelope = CommandEnvelope(
            command_id=command_id,
            aggregate_type=topics.RENDER.name,
            aggregate_id=job.asset_key,
            actor_id=ACTOR,
            issued_at=datetime.now(UTC),
            correlation_id=command_id,
            command=command,
        )
        await self._submit([self._codec.command_record(envelope)])


class SegmentPublisher:
    """Copies what the encoder finished from ``out_dir`` to the blob store, playlist last."""

    def __init__(self, blobs: BlobStore, *, prefix: str, out_dir: Path, params: RenderParams, expected: int) -> None:
        self._blobs = blobs
        self._expected = expected  # progress units of the whole render (progress_total)
        self._prefix = prefix
        self._out = out_dir
        self._hls = params.output_format is OutputFormat.AAC_HLS
        self._kbps = BITRATES[(params.output_format, Quality(params.quality))]
        self._uploaded: set[str] = set()
        self._playlist = ""
        self._segments = 0
        self.size_bytes = 0
        self.rendered_ms = 0

    @property
    def entry_key(self) -> str:
        """Blob key a player opens."""
        return self._prefix + (PLAYLIST if self._hls else MP3_FILE)

    async def publish(self, *, final: bool) -> int:
        """Upload newly finished files; returns how many segments (HLS) or whole seconds (MP3) are stored."""
        if not self._hls:
            return await self._publish_mp3(final=final)
        path = self._out / PLAYLIST
        try:
            text = path.read_text()
        except FileNotFoundError:
            return self._segments
        shown = text if final else text.replace("#EXT-X-ENDLIST\n", "")  # complete only once all is stored
        if not text.endswith("\n") or shown == self._playlist:
            return self._segments
        playlist = hls.parse(text)
        names = [playlist.map_uri] if playlist.map_uri else []
        for name in [*names, *(entry.uri for entry in playlist.entries)]:
            if name not in self._uploaded:
                await self._put(name)
        self.rendered_ms = round(1000 * sum(entry.duration_s for entry in playlist.entries))
        data = shown.encode()
        await self._blobs.put_bytes(self._prefix + PLAYLIST, data, content_type=CONTENT_TYPES[".m3u8"])
        if final:
            self.size_bytes += len(data)
        self._playlist = shown
        self._segments = len(playlist.entries)
        return self._segments

    async def _publish_mp3(self, *, final: bool) -> int:
        """MP3 is one growing file: stored once complete; until then progress is its encoded length.

        In whole seconds, below the expected total until the file is complete (its byte count only
        estimates the length, so an estimate must not claim 100 % while the render still runs).
        """
        path = self._out / MP3_FILE
        size = path.stat().st_size if path.exists() else 0
        self.rendered_ms = round(size * 8 / self._kbps)
        if final:
            await self._put(MP3_FILE)
            return max(self._expected, self.rendered_ms // 1000)
        return min(self.rendered_ms // 1000, self._expected - 1)

    async def _put(self, name: str) -> None:
        path = self._out / name
        info = await self._blobs.put_file(self._prefix + name, path, content_type=CONTENT_TYPES[path.suffix])
        self._uploaded.add(name)
        self.size_bytes += info.size


def predicted_musical(source: Musical | None, params: RenderParams, *, lufs: float | None) -> Musical | None:
    """Tempo and key of the render, from the source's analysis (A minor +3 semitones -> C minor).

    ``lufs`` is the loudness measured on the render's output: the encoder changes it, so the source's
    would be wrong (an MP3 measures 0.5-0.6 LU quieter than its source).
    """
    if source is None:
        return None if lufs is None else Musical(lufs=lufs)
    key, offset = source.key, source.key_offset_cents
    if source.key:
        with contextlib.suppress(AudioError):
            shifted, offset = shifted_key(parse_key(source.key), pitch_cents=params.pitch_cents + offset)
            key = str(shifted)
    bpm = None if source.bpm is None else round(shifted_bpm(source.bpm, tempo=params.tempo), 2)
    return Musical(bpm=bpm, key=key, key_offset_cents=offset, lufs=lufs)


def _render_params(params: TransformParams) -> RenderParams:
    return RenderParams(
        pitch_cents=params.pitch_cents,
        tempo=params.tempo,
        formant=params.formant,
        quality=params.quality,  # type: ignore[arg-type]  # validated in __post_init__
        output_format=params.output_format,  # type: ignore[arg-type]
    )


def _check_engine(job: RenderJob) -> None:
    """The asset key names an engine version: rendering with another would store a different sound."""
    installed = get_engine(job.engine).version
    if installed != job.engine_version:
        raise AudioError(f"engine {job.engine} {job.engine_version} requested, {installed} installed")


def start_render_pool(workers: int, engine: str) -> RenderProcesses:
    """The process pool renders run in, warmed up so the first request does not pay for imports."""
    return RenderProcesses(functools.partial(_warm_pool, workers, engine))


def _warm_pool(workers: int, engine: str) -> ProcessPoolExecutor:
    """``spawn``, not ``fork``: the parent runs an event loop, database connections and Kafka clients
    whose forked copies would be unsafe to touch."""
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=die_with_parent
    )
    for _ in range(workers):
        pool.submit(warm_up, engine)
    return pool


class RenderProcesses(Executor):
    """The render process pool, started again once one of its processes has died.

    A :class:`ProcessPoolExecutor` whose process dies (the kernel's OOM killer, a crash in native DSP
    code) is broken for good: the renders it ran fail with ``BrokenProcessPool``, and so does every
    later ``submit``. The scheduler tries a failed render again (``RETRY_DELAYS_S``); this makes that
    try meet working processes instead of the same broken pool.
    """

    def __init__(self, start: Callable[[], ProcessPoolExecutor]) -> None:
        self._start = start
        self._pool = start()

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Submit to the pool, to a new one if this one is broken."""
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool:
            log.warning("a render process died; starting the render processes again")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._start()
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the current pool's processes."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class InOrderRelease(Generic[T]):
    """Releases the records of each partition in offset order, once they and every earlier one are done.

    Renders finish out of order, but an offset commit (or a Faust ack, whose commit logic assumes acks
    without gaps at the head) must never pass a request whose render is still running: a crash would
    then lose it. Each host acks/commits only what this releases.

    The same offset may arrive twice: a consumer that seeks back to its committed offset delivers again
    what it had already handed over. Faust does so when its table recovery ends and whenever its flow
    was stopped (``Consumer.perform_seek``), so a worker that starts while a render request is
    uncommitted sees that request and the records behind it twice. Each delivery is its own entry with
    its own token (each copy must be acked), and each ``done`` finishes the oldest unfinished copy, so
    N deliveries take N ``done`` calls. Marking the first copy again instead left the second unfinished
    for good: its partition never committed again, and Faust's ``wait_empty`` waited on it at every
    later rebalance and at shutdown.
    """

    def __init__(self) -> None:
        self._queues: dict[tuple[str, int], collections.deque[list[Any]]] = {}

    def add(self, topic: str, partition: int, offset: int, item: T) -> None:
        """Track a record that has been received and is not finished yet."""
        self._queues.setdefault((topic, partition), collections.deque()).append([offset, item, False])

    def done(self, topic: str, partition: int, offset: int) -> list[T]:
        """Mark a record finished; returns the items now released (possibly none), in offset order."""
        queue = self._queues.get((topic, partition))
        if not queue:
            return []
        for entry in queue:
            if entry[0] == offset and not entry[2]:
                entry[2] = True
                break
        released = []
        while queue and queue[0][2]:
            released.append(queue.popleft()[1])
        return released

    @property
    def pending(self) -> int:
        """Records received and not yet released."""
        return sum(len(queue) for queue in self._queues.values())
