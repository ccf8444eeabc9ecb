"""Progressive (segmented) and parallel renders of a whole track.

* :func:`iter_segments` runs ONE engine stream through the limiter and cuts its output into
  segments, so stretcher and limiter state carry across every boundary: concatenating the segments
  gives exactly :func:`render`'s output, and each segment can be encoded and served as it arrives.
* :func:`render_parallel` splits the track into chunks with overlapping context, renders them in a
  process pool and joins them in the STFT domain (:mod:`tuneton.audio.chunks`).
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tuneton.audio import chunks
from tuneton.audio.dynamics import Limiter
from tuneton.audio.engines import Engine, check_audio, get_engine, output_frames
from tuneton.audio.errors import ParameterError
from tuneton.audio.params import RenderParams

FIRST_SEGMENT_S = 1.0  # short first segment: playback starts after ~1/8 s of DSP
SEGMENT_S = 4.0
LIMITER_BATCH = 4096  # frames: ~93 ms at 44.1 kHz, rendered in ~15 ms


@dataclass(frozen=True, kw_only=True)
class Segment:
    """One finished piece of a progressive render.

    Attributes
    ----------
    index : int
        0-based position in the render.
    start : int
        First frame of the segment in the render.
    audio : np.ndarray [shape=(channels, frames), dtype=float32]
        Limited output, peaks <= the limiter's ceiling.
    sr : int
        Sample rate in Hz.
    final : bool
        True for the last segment.
    """

    index: int
    start: int
    audio: np.ndarray
    sr: int
    final: bool

    @property
    def start_s(self) -> float:
        """Start time in seconds of the render."""
        return self.start / self.sr

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return float(self.audio.shape[1] / self.sr)


def iter_segments(
    y: np.ndarray,
    *,
    sr: int,
    params: RenderParams,
    engine: Engine | str | None = None,
    first_segment_s: float = FIRST_SEGMENT_S,
    segment_s: float = SEGMENT_S,
) -> Iterator[Segment]:
    """Render ``y`` progressively, yielding each segment as soon as it is complete.

    Parameters
    ----------
    y : np.ndarray [shape=(channels, frames), dtype=float32]
        Decoded source.
    sr : int
        Sample rate in Hz.
    params : RenderParams
        Pitch, tempo, formant and quality.
    engine : Engine or str, optional
        Engine or its name; default Rubber Band R3.
    first_segment_s, segment_s : float > 0
        Segment durations in seconds of output (the last segment may be shorter).

    Yields
    ------
    Segment
        In order; together ``round(frames / tempo)`` frames.

    Examples
    --------
    >>> for segment in iter_segments(y, sr=44100, params=RenderParams(pitch_cents=300)):  # doctest: +SKIP
    ...     encoder.write(segment.audio)
    """
    for field, value in (("first_segment_s", first_segment_s), ("segment_s", segment_s)):
        if not 0.1 <= value <= 60.0:  # HLS players expect segments of seconds
            raise ParameterError(field, value, "from 0.1 to 60 seconds")
    y = check_audio(y, sr=sr)
    stream = limited(_engine(engine).stream(y, sr=sr, params=params), sr=sr, channels=y.shape[0])
    total = output_frames(y.shape[1], tempo=params.tempo)
    lengths = _segment_lengths(total, first=round(first_segment_s * sr), rest=round(segment_s * sr))
    buffer: list[np.ndarray] = []
    held = start = 0
    for index, length in enumerate(lengths):
        while held < length:
            block = next(stream)
            buffer.append(block)
            held += block.shape[1]
        joined = np.concatenate(buffer, axis=1)
        buffer, held = [joined[:, length:]], held - length
        final = index == len(lengths) - 1
        yield Segment(index=index, start=start, audio=joined[:, :length], sr=sr, final=final)
        start += length


def render(y: np.ndarray, *, sr: int, params: RenderParams, engine: Engine | str | None = None) -> np.ndarray:
    """Render the whole track on one core: the concatenation of :func:`iter_segments`.

    Returns
    -------
    np.ndarray [shape=(channels, round(frames / tempo)), dtype=float32]
    """
    parts = [s.audio for s in iter_segments(y, sr=sr, params=params, engine=engine)]
    return np.concatenate(parts, axis=1) if parts else np.zeros((y.shape[0], 0), np.float32)


def render_parallel(
    y: np.ndarray,
    *,
    sr: int,
    params: RenderParams,
    engine: Engine | str | None = None,
    workers: int = 2,
    executor: concurrent.futures.Executor | None = None,
) -> np.ndarray:
    """Render the whole track as ``workers`` chunks in parallel processes, joined without seams.

    Parameters
    ----------
    y, sr, params, engine
        As for :func:`render`.
    workers : int >= 1
        Number of chunks and (when no ``executor`` is given) processes.
    executor : concurrent.futures.Executor, optional
        A long-lived pool to reuse: spawning and importing in fresh workers costs seconds per render.

    Returns
    -------
    np.ndarray [shape=(channels, round(frames / tempo)), dtype=float32]
        Limited output, time-aligned like :func:`render`'s.
    """
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ParameterError("workers", workers, "an integer >= 1")
    y = check_audio(y, sr=sr)
    name = _engine(engine).name
    bounds = chunks.plan_boundaries(y, sr=sr, lengths_s=[y.shape[1] / sr / workers])
    total = output_frames(y.shape[1], tempo=params.tempo)
    jobs = [
        (start, stop, *chunks.chunk_input(y, sr=sr, start=start, stop=stop))
        for start, stop in itertools.pairwise(bounds)
    ]
    own_pool = executor is None
    pool = executor or concurrent.futures.ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)), mp_context=multiprocessing.get_context("spawn")
    )
    try:
        futures = [pool.submit(_render_chunk, name, part, sr, params) for _, _, _, part in jobs]
        pieces = (
            chunks.make_piece(future.result(), sr=sr, tempo=params.tempo, in_lo=lo, start=start, stop=stop, total=total)
            for (start, stop, lo, _), future in zip(jobs, futures, strict=True)
        )
        joined = np.concatenate(list(chunks.join_pieces(pieces, sr=sr)), axis=1)
    finally:
        if own_pool:
            pool.shutdown(cancel_futures=True)
    return np.concatenate(list(limited(iter([joined]), sr=sr, channels=y.shape[0])), axis=1)


def _render_chunk(engine_name: str, part: np.ndarray, sr: int, params: RenderParams) -> np.ndarray:
    """Process-pool job: render one chunk (top-level so it pickles)."""
    return get_engine(engine_name).render(part, sr=sr, params=params)


def _engine(engine: Engine | str | None) -> Engine:
    if isinstance(engine, Engine):
        return engine
    return get_engine() if engine is None else get_engine(engine)


def limited(blocks: Iterator[np.ndarray], *, sr: int, channels: int) -> Iterator[np.ndarray]:
    """The stream through one :class:`Limiter`, fed >= ``LIMITER_BATCH`` frames at a time (per-call overhead)."""
    limiter = Limiter(sr=sr, channels=channels)
    batch: list[np.ndarray] = []
    held = 0
    for block in blocks:
        batch.append(block)
        held += block.shape[1]
        if held >= LIMITER_BATCH:
            out = limiter.process(np.concatenate(batch, axis=1))
            batch, held = [], 0
            if out.shape[1]:
                yield out
    if batch:
        yield limiter.process(np.concatenate(batch, axis=1))
    yield limiter.flush()


def _segment_lengths(total: int, *, first: int, rest: int) -> list[int]:
    if total <= first:
        return [total]
    lengths = [first]
    remaining = total - first
    while remaining > 0:
        lengths.append(min(rest, remaining))
        remaining -= lengths[-1]
    return lengths
