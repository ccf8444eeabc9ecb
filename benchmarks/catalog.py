"""Catalog benchmark: ingest rate, upload memory, search latency. Prints figures; asserts nothing.

Usage (from the repository root; results and commands go to BENCHMARKS.md, section "Catalog"):
    python -m benchmarks.catalog ingest [--tracks 100] [--seconds 180] [--jobs 2] [--format mp3|opus]
    python -m benchmarks.catalog memory [--sizes-mb 20 199]
    python -m benchmarks.catalog search [--engine sqlite elasticsearch] [--documents 50000] [--repeat 5]

* ingest: ``--tracks`` tagged files of ``--seconds`` each (real music from immich-memories-music when
  installed, with an embedded 800 px cover each) through the in-process ingest on the embedded
  runtime, until the tracks read model shows them all: tracks per minute, MB/s, CPU seconds.
  ``mp3`` (192 kbit/s) takes the stream-copy path; ``opus`` (128 kbit/s) is encoded to AAC.
* memory: ``tuneton serve`` (embedded) in a subprocess; WAV uploads of each size streamed to it over
  HTTP while the server's resident memory is sampled every 20 ms: is the peak flat in the size?
* search: a synthetic 50,000-track catalog (benchmarks/catalog_search.py) in SQLite FTS5 and in
  Elasticsearch (``TUNETON_ELASTICSEARCH_URL``, default http://127.0.0.1:9200), then p50/p99 per
  query kind, 1-4 character as-you-type prefixes included.
Every phase also prints the 1-minute load average before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import io
import json
import os
import resource
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import platformdirs
from mutagen.flac import Picture
from mutagen.id3 import APIC, ID3, TALB, TIT2, TPE1, TRCK
from mutagen.oggopus import OggOpus
from PIL import Image

from benchmarks import catalog_search
from tests.e2e.servers import Process, product_env, serve
from tuneton.catalog.demo import music_sources
from tuneton.catalog.importer import import_folder
from tuneton.settings import Settings

CACHE = platformdirs.user_cache_path("tuneton") / "bench"


def load_average() -> float:
    """The 1-minute load average (2 cores on the reference machine)."""
    return round(os.getloadavg()[0], 2)


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly, failing loudly."""
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


ENCODINGS = {"mp3": ["-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3"],
             "opus": ["-c:a", "libopus", "-b:a", "128k", "-ar", "48000", "-f", "ogg"]}  # fmt: skip


def base_track(seconds: int, fmt: str) -> Path:
    """One ``seconds``-long file of real music (concatenated mixes) or, without the package, tones and noise."""
    path = CACHE / f"base-{seconds}s.{fmt}"
    if path.exists():
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    sources = music_sources()[:: max(1, len(music_sources()) // 8)] if music_sources() else []
    if sources:
        inputs = [arg for source in sources for arg in ("-i", str(source))]
        chain = "".join(f"[{n}:a]" for n in range(len(sources))) + f"concat=n={len(sources)}:v=0:a=1,aloop=-1:2e9"
        ffmpeg(*inputs, "-filter_complex", chain, "-t", str(seconds), "-ac", "2", *ENCODINGS[fmt], str(path))
    else:
        ffmpeg("-f", "lavfi", "-i", f"sine=frequency=220:duration={seconds}", "-f", "lavfi",
               "-i", f"anoisesrc=duration={seconds}:amplitude=0.05", "-filter_complex", "amix=inputs=2",
               "-ac", "2", *ENCODINGS[fmt], str(path))  # fmt: skip
    return path


def corpus(tracks: int, seconds: int, fmt: str) -> Path:
    """``tracks`` copies of the base file, each with its own tags and cover (so each has its own hash)."""
    folder = CACHE / f"ingest-{tracks}x{seconds}s-{fmt}"
    base = base_track(seconds, fmt)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(tracks):
        path = folder / f"{n:03d}.{fmt}"
        if not path.exists():
            shutil.copyfile(base, path)
            _tag(path, n)
    return folder


def _tag(path: Path, n: int) -> None:
    cover = io.BytesIO()
    Image.new("RGB", (800, 800), (n * 37 % 256, n * 91 % 256, n * 53 % 256)).save(cover, "JPEG", quality=90)
    title, artist, album = f"Бенчмарк {n} — Track", "Bench Artist; Гость", f"Album {n // 10}"
    if path.suffix == ".opus":
        audio = OggOpus(path)
        audio.update({"title": [title], "artist": [artist], "album": [album], "tracknumber": [str(n % 10 + 1)]})
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/jpeg", cover.getvalue()
        audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode("ascii")]
        audio.save()
        return
    tags = ID3()
    for frame in (TIT2(text=title), TPE1(text=artist), TALB(text=album), TRCK(text=str(n % 10 + 1))):
        frame.encoding = 3
        tags.add(frame)
    tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="front", data=cover.getvalue()))
    tags.save(path)


async def ingest(tracks: int, seconds: int, jobs: int, fmt: str) -> dict[str, Any]:
    """Tracks per minute through the in-process ingest on a fresh embedded data directory."""
    from tuneton.catalog.cli import local_uploader

    folder = corpus(tracks, seconds, fmt)
    size = sum(p.stat().st_size for p in folder.glob(f"*.{fmt}"))
    before, cpu = load_average(), _cpu_seconds()
    with tempfile.TemporaryDirectory(prefix="tuneton-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), runtime="embedded")
        started = time.perf_counter()
        async with local_uploader(settings, user="bench", visibility="public") as uploader:
            summary = await import_folder(folder, uploader, state_dir=Path(tmp) / "imports", concurrency=jobs,
                                          progress=io.StringIO())  # fmt: skip
        elapsed = time.perf_counter() - started
    return {
        "phase": "ingest", "format": fmt, "tracks": tracks, "seconds_each": seconds, "jobs": jobs, "mb": round(size / 2**20, 1),
        "imported": summary.counts["imported"], "failed": summary.counts["failed"], "wall_s": round(elapsed, 1),
        "tracks_per_min": round(tracks / elapsed * 60, 1), "mb_per_s": round(size / 2**20 / elapsed, 2),
        "cpu_s_per_track": round((_cpu_seconds() - cpu) / tracks, 2), "load_before": before, "load_after": load_average(),
    }  # fmt: skip


def _cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def wav(mb: int) -> Path:
    """A WAV of about ``mb`` MiB (44.1 kHz stereo 16-bit PCM: 10.1 MiB per minute)."""
    path = CACHE / f"upload-{mb}mb.wav"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        seconds = mb * 2**20 // (44100 * 4)
        ffmpeg("-f", "lavfi", "-i", f"anoisesrc=duration={seconds}:amplitude=0.1", "-ac", "2", "-ar", "44100",
               "-c:a", "pcm_s16le", str(path))  # fmt: skip
    return path


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def memory(sizes_mb: list[int]) -> list[dict[str, Any]]:
    """Peak resident memory of the server process while it takes each upload."""
    results = []
    with tempfile.TemporaryDirectory(prefix="tuneton-bench-") as tmp:
        env = product_env({"TUNETON_DATA_DIR": str(Path(tmp) / "data")})
        server, base = serve(env, Path(tmp) / "serve.log")
        try:
            for mb in sizes_mb:
                results.append(_one_upload(server, base, wav(mb), mb))
        finally:
            server.stop()
    return results


def _one_upload(server: Process, base: str, path: Path, mb: int) -> dict[str, Any]:
    assert server.popen is not None
    pid, peak, idle = server.popen.pid, 0.0, rss_mb(server.popen.pid)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    before, started = load_average(), time.perf_counter()
    sampler.start()
    with path.open("rb") as fh:
        response = httpx.post(f"{base}/v1/tracks", files={"file": (path.name, fh)}, timeout=1800,
                              headers={"X-Tuneton-User": f"mem-{uuid.uuid4().hex[:6]}"})  # fmt: skip
    done.set()
    sampler.join()
    return {"phase": "memory", "upload_mb": mb, "status": response.status_code, "seconds": round(time.perf_counter() - started, 1),
            "server_rss_idle_mb": round(idle, 1), "server_rss_peak_mb": round(peak, 1),
            "load_before": before, "load_after": load_average()}  # fmt: skip


async def search(engines: list[str], documents: int, repeat: int, es_prefix: str) -> list[dict[str, Any]]:
    """Search latency per engine over the same synthetic catalog."""
    results = []
    for engine in engines:
        before = load_average()
        with tempfile.TemporaryDirectory(prefix="tuneton-bench-") as tmp:
            index, cleanup = await _index(engine, Path(tmp), es_prefix)
            try:
                figures = await catalog_search.run(index, documents, repeat=repeat)
            finally:
                await cleanup()
        results.append(
            {"phase": "search", "engine": engine, **figures, "load_before": before, "load_after": load_average()}
        )
    return results


async def _index(engine: str, tmp: Path, es_prefix: str) -> tuple[Any, Any]:
    if engine == "sqlite":
        from tuneton.adapters.sqlite.search import SqliteSearchIndex

        sqlite = SqliteSearchIndex(tmp / "search.db")
        await sqlite.start()
        return sqlite, sqlite.close
    from tuneton.adapters.elasticsearch.search import ElasticsearchSearchIndex

    name = f"{es_prefix}{uuid.uuid4().hex[:8]}"
    es = ElasticsearchSearchIndex(os.environ.get("TUNETON_ELASTICSEARCH_URL", "http://127.0.0.1:9200"), index=name)
    await es.start()

    async def cleanup() -> None:
        await es._es.indices.delete(index=name)
        await es.close()

    return es, cleanup


def main() -> None:
    """Parse the phase and print its figures as JSON lines."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.catalog")
    parser.add_argument("phase", choices=["ingest", "memory", "search"])
    parser.add_argument("--tracks", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=180)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--format", choices=sorted(ENCODINGS), default="mp3")
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[20, 199])
    parser.add_argument("--engine", nargs="+", default=["sqlite", "elasticsearch"])
    parser.add_argument("--documents", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5, help="search: measured runs of each query")
    parser.add_argument(
        "--es-index-prefix", default="tuneton-bench-", help="search: a fresh index is named <prefix><hex>"
    )
    args = parser.parse_args()
    if args.phase == "ingest":
        results: list[dict[str, Any]] = [asyncio.run(ingest(args.tracks, args.seconds, args.jobs, args.format))]
    elif args.phase == "memory":
        results = memory(args.sizes_mb)
    else:
        results = asyncio.run(search(args.engine, args.documents, args.repeat, args.es_index_prefix))
    for result in results:
        print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
