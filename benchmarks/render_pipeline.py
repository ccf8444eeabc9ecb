"""Where first audio goes inside a render (prints figures; not a test).

    .venv/bin/python -m benchmarks.render_pipeline [--seconds 60] [--runs 10]

In-process, on a synthetic stereo MP3 (benchmarks/render.py's track, 48 kHz like much real music,
so decoding resamples), with imports warm:

* first decoded block: libsndfile + soxr in-process (the service's path) vs spawning ffmpeg;
* whole-file decode (what the service no longer waits for);
* source file -> the encoder's first segment listed in its playlist (decode, R3, limiter, AAC/HLS),
  for both presets, with the service's segmenting (5 x 0.5 s, then 2 s) and with 1-s segments
  throughout (the previous segmenting), alternating so load hits both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.render import make_track
from tuneton.audio import decode
from tuneton.audio.engines import get_engine
from tuneton.audio.params import RenderParams
from tuneton.audio.pipeline import HLS_FIRST_SEGMENT_S, HLS_FIRST_SEGMENTS, HLS_SEGMENT_S, render_file

SR = 44100
SEGMENTINGS = {"service": (HLS_FIRST_SEGMENT_S, HLS_FIRST_SEGMENTS, HLS_SEGMENT_S), "1s-throughout": (1.0, 8, 1.0)}


def ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"p50_ms": round(1000 * statistics.median(ordered), 1),
            "p95_ms": round(1000 * ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "min_ms": round(1000 * ordered[0], 1)}  # fmt: skip


def first_block(path: Path, *, in_process: bool) -> float:
    started = time.perf_counter()
    if in_process:
        next(decode.stream_decode(path))
    else:
        next(decode._ffmpeg_blocks(path, sr=SR, channels=2, block_frames=decode.STREAM_BLOCK_FRAMES))
    return time.perf_counter() - started


def first_segment(path: Path, seconds: float, params: RenderParams, segments: tuple[float, int, float]) -> float:
    out = Path(tempfile.mkdtemp()) / "out"
    started = time.perf_counter()
    worker = threading.Thread(target=render_file, args=(path, out), kwargs={
        "params": params, "engine_name": "rubberband-r3", "frames_hint": round(seconds * SR), "segments": segments})  # fmt: skip
    worker.start()
    playlist = out / "playlist.m3u8"
    while not (playlist.exists() and ".m4s" in playlist.read_text()):
        time.sleep(0.001)
    elapsed = time.perf_counter() - started
    worker.join()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-pipeline-bench-"))
    pcm = np.ascontiguousarray(make_track(args.seconds).T, dtype="<f4").tobytes()
    source = work / "source.mp3"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "f32le", "-ar", str(SR), "-ac", "2", "-i", "pipe:0",
                    "-ar", "48000", "-c:a", "libmp3lame", "-b:a", "192k", str(source)], input=pcm, check=True)  # fmt: skip
    get_engine().render(np.zeros((2, SR), np.float32), sr=SR, params=RenderParams(pitch_cents=100))  # warm
    figures: dict[str, Any] = {"source_s": args.seconds, "runs": args.runs, "load_before": os.getloadavg()[0]}
    figures["first_block_in_process"] = ms([first_block(source, in_process=True) for _ in range(args.runs)])
    figures["first_block_ffmpeg"] = ms([first_block(source, in_process=False) for _ in range(args.runs)])
    started = time.perf_counter()
    decode.decode(source)
    figures["whole_decode_ms"] = round(1000 * (time.perf_counter() - started), 1)
    for quality in ("high", "preview"):
        times: dict[str, list[float]] = {name: [] for name in SEGMENTINGS}
        for run in range(args.runs):
            params = RenderParams(pitch_cents=300 + run, tempo=1.1, quality=quality)  # type: ignore[arg-type]
            for name, segments in SEGMENTINGS.items():
                times[name].append(first_segment(source, args.seconds, params, segments))
        for name, values in times.items():
            figures[f"first_segment_{quality}_{name}"] = ms(values)
    figures["load_after"] = os.getloadavg()[0]
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
