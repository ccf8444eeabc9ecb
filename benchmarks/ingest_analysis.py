"""What the analysis at ingest (BPM, key, loudness) adds per 3-minute track. Prints figures; asserts nothing.

Usage (from the repository root; results go to BENCHMARKS.md, section "Catalog"):
    python -m benchmarks.ingest_analysis [--rounds 5] [--seconds 180]

One file (the catalog benchmark's base MP3: real music when immich-memories-music is installed) is
ingested with the real ``MediaSteps`` through an in-memory blob store and the fake command bus (the
real track decider), alternately without and with the analysis step, so machine load hits both
alike. Reported per variant: median wall seconds per ingest and CPU seconds (this process plus its
ffmpeg children); the analysis step alone (decode at 22.05 kHz + analyse), wall and CPU; and this
process's peak resident memory (before: after the file-understanding imports; after: whole run).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

from benchmarks.catalog import base_track, load_average
from commands.ingest import DuplicateFinder, IngestService
from commands.ingest_steps import MediaSteps
from tests.fakes import FakeCommandBus, InMemoryBlobStore
from tuneton.domain.track.values import TrackAnalysis
from tuneton.media.probe import AudioInfo, probe


class _NoAnalysis(MediaSteps):
    """The ingest as it was before the analysis step."""

    async def analyse(self, path: Path, *, info: AudioInfo) -> TrackAnalysis | None:
        return None


class _NoDuplicates(DuplicateFinder):
    def __init__(self) -> None:
        pass

    async def find(self, sha256: str, viewer: str) -> str | None:
        return None


class _File:
    def __init__(self, path: Path) -> None:
        self._path = path

    @property
    def file_name(self) -> str | None:
        return self._path.name

    @property
    def fields(self) -> Mapping[str, str]:
        return {}

    async def chunks(self) -> AsyncIterator[bytes]:
        with self._path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                yield chunk


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def _ingest_once(path: Path, steps: MediaSteps, tmp: Path, n: int) -> tuple[float, float]:
    service = IngestService(blobs=InMemoryBlobStore(), bus=FakeCommandBus(), duplicates=_NoDuplicates(),
                            steps=steps, tmp_dir=tmp, max_bytes=1 << 30)  # fmt: skip
    cpu, started = _cpu(), time.perf_counter()
    await service.ingest(_File(path), uploader=f"bench-{n}", command_id=f"c-{n}")
    return time.perf_counter() - started, _cpu() - cpu


async def run(rounds: int, seconds: int) -> dict[str, Any]:
    """Alternate ingests without and with analysis; then the analysis step alone."""
    path = base_track(seconds, "mp3")
    variants: dict[str, MediaSteps] = {"without": _NoAnalysis(), "with": MediaSteps()}
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    before, rss_before = load_average(), _peak_rss_mb()
    with tempfile.TemporaryDirectory(prefix="tuneton-bench-") as tmp:
        await _ingest_once(path, variants["with"], Path(tmp), -1)  # warm-up: imports scipy, pyloudnorm
        for n in range(rounds):
            for name, steps in variants.items():
                times[name].append(await _ingest_once(path, steps, Path(tmp), n))
    info, alone = probe(path), []
    for _ in range(rounds):
        cpu, started = _cpu(), time.perf_counter()
        await variants["with"].analyse(path, info=info)
        alone.append((time.perf_counter() - started, _cpu() - cpu))
    medians = {name: _medians(values) for name, values in {**times, "analysis step": alone}.items()}
    added = round(medians["with"]["wall_s"] - medians["without"]["wall_s"], 2)
    return {"file": path.name, "seconds": seconds, "rounds": rounds, **medians, "added_wall_s": added,
            "peak_rss_mb_before": rss_before, "peak_rss_mb": _peak_rss_mb(), "load_before": before,
            "load_after": load_average()}  # fmt: skip


def _peak_rss_mb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _medians(values: list[tuple[float, float]]) -> dict[str, float]:
    return {"wall_s": round(statistics.median(w for w, _ in values), 2),
            "cpu_s": round(statistics.median(c for _, c in values), 2)}  # fmt: skip


def main() -> None:
    """Parse arguments, run, print one JSON line."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_analysis")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=180)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rounds, args.seconds)), ensure_ascii=False))


if __name__ == "__main__":
    main()
