"""Render benchmark (prints figures; not a test).

    PYTHONPATH=. .venv/bin/python benchmarks/render.py [--seconds 180] [--runs 20]

For each engine (Rubber Band R3 = product, Signalsmith = baseline) on a synthetic 3-minute stereo
track at 44.1 kHz (drums, melody, pad at 120 BPM; made in memory):

* x realtime on one core, product path (engine + limiter + segmenting), ``preview`` and ``high``;
* wall time of the parallel high render on 2 worker processes (warm pool; cold pool once);
* time to the first 1-second segment, p50/p95 over ``--runs`` fresh generators, in-process.

Other engineers share this 2-core machine: the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import platform
import statistics
import time

import numpy as np

from tuneton.audio import Quality, RenderParams
from tuneton.audio.engines import ENGINES, get_engine
from tuneton.audio.render import iter_segments, render, render_parallel

SR = 44100
TRANSFORMS = {"pitch+3": (300, 1.0), "both+3_0.8": (300, 0.8)}


def make_track(seconds: float, *, seed: int = 7) -> np.ndarray:
    """Drums on every beat, a 5-harmonic melody (one note per beat) and a 3-note pad; stereo float32."""
    rng = np.random.default_rng(seed)
    n = round(seconds * SR)
    t = np.arange(n) / SR
    y = np.zeros((2, n))
    beat = 0.5
    scale = [57, 59, 60, 62, 64, 65, 67, 69]
    for i, start in enumerate(np.arange(0.0, seconds - beat, beat)):
        a, b = round(start * SR), round((start + beat) * SR)
        f0 = 440.0 * 2 ** ((scale[rng.integers(len(scale))] - 69) / 12)
        local = t[a:b] - start
        note = sum(np.sin(2 * np.pi * f0 * k * local) / k for k in range(1, 6)) * np.exp(-3 * local)
        y[0, a:b] += 0.12 * note
        y[1, a:b] += 0.08 * note
        hit = round(0.08 * SR)
        decay = np.exp(-np.arange(hit) / (0.015 * SR))
        drum = np.sin(2 * np.pi * 60 * np.arange(hit) / SR) if i % 2 == 0 else rng.standard_normal(hit) * 0.5
        y[:, a : a + hit] += 0.4 * drum * decay
    pad = sum(np.sin(2 * np.pi * f * t + p) for f, p in ((220.0, 0.0), (261.63, 1.0), (329.63, 2.0)))
    y += 0.05 * np.stack([pad, np.roll(pad, 50)])
    return (0.9 * y / np.abs(y).max()).astype(np.float32)


def timed(fn: object) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()  # type: ignore[operator]
    return time.perf_counter() - wall, time.process_time() - cpu


def first_segment_times(y: np.ndarray, engine: str, params: RenderParams, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        segments = iter_segments(y, sr=SR, params=params, engine=engine, first_segment_s=1.0)
        next(segments)
        times.append(time.perf_counter() - start)
        segments.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--transforms", default=",".join(TRANSFORMS))
    args = parser.parse_args()
    y = make_track(args.seconds)
    print(
        f"# render benchmark: {args.seconds:.0f} s stereo 44.1 kHz, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in ENGINES:
        print(f"engine {name} {get_engine(name).version}")
    get_engine().render(y[:, :SR], sr=SR, params=RenderParams(pitch_cents=300))  # warm imports
    context = multiprocessing.get_context("spawn")
    cold_wall, _ = timed(lambda: render_parallel(y, sr=SR, params=RenderParams(pitch_cents=300), workers=2))
    print(f"parallel high R3 pitch+3 with a cold pool (spawns 2 processes): {cold_wall:.2f} s")
    print()
    print(
        "| engine | transform | preset | 1 core wall s | x RT (wall) | x RT (CPU) | 2 cores wall s | 2 cores x RT "
        "| first segment p50 ms | p95 ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=context, initializer=_warm) as pool:
        list(pool.map(time.sleep, [0.5, 0.5]))  # both workers started and warm
        for transform in args.transforms.split(","):
            cents, tempo = TRANSFORMS[transform]
            for name in ENGINES:
                for quality in (Quality.PREVIEW, Quality.HIGH):
                    params = RenderParams(pitch_cents=cents, tempo=tempo, quality=quality)
                    wall, cpu = timed(lambda p=params, n=name: render(y, sr=SR, params=p, engine=n))
                    pwall, _ = timed(
                        lambda p=params, n=name: render_parallel(y, sr=SR, params=p, engine=n, workers=2, executor=pool)
                    )
                    firsts = first_segment_times(y, name, params, args.runs)
                    p95 = statistics.quantiles(firsts, n=20)[-1] if len(firsts) > 1 else firsts[0]
                    print(
                        f"| {name} | {transform} | {quality.value} | {wall:.2f} | {args.seconds / wall:.1f} | "
                        f"{args.seconds / cpu:.1f} | {pwall:.2f} | {args.seconds / pwall:.1f} | "
                        f"{1000 * statistics.median(firsts):.0f} | {1000 * p95:.0f} |",
                        flush=True,
                    )
    print()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _warm() -> None:
    for name in ENGINES:  # import and run every engine once in each worker
        get_engine(name).render(np.zeros((2, SR), np.float32), sr=SR, params=RenderParams(pitch_cents=100))


if __name__ == "__main__":
    main()
