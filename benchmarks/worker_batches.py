"""The embedded worker's own CPU per command, without HTTP, the link or the serving process.

The backbone benchmark's figures move by ±25 % from run to run on this VM (BENCHMARKS.md, seventeenth
session), which hides a change worth a few percent of the worker. This one runs the worker's
processors exactly as ``processors/embedded_worker.py`` does (``EmbeddedProcessors`` on a fresh data
directory, commands handed in as the link hands them), and times one thing: this process's CPU from
handing in ``--commands`` AddTrack commands, ``--batch`` at a time (86: a guess at the decider's
mean batch in the backbone benchmark's 256-connection command phase; BENCHMARKS.md says how it was
made), spread over ``--playlists`` playlists, until every verdict is out and the playlists projection
has applied the last of them. The envelopes and their encoded values are made before the clock starts
(the serving process makes them). Each round is one such phase; the best and the median of
``--rounds`` are printed. Beside the CPU, the wall time per command: what the worker's event loop
takes to clear them, waits included (a commit stalled by a checkpoint costs wall time, and the worker
is one thread: its wall time per command bounds its commands per second).

    .venv/bin/python -m benchmarks.worker_batches [--rounds 7] [--commands 4000] [--playlists 256] [--instructions]

It times one build of the code: compare two commits by running it in a worktree of each, in turn.
On this VM its CPU figures still move by ±20 % between runs, so ``--instructions`` counts instead:
it runs the benchmark twice under valgrind (``--rounds 1``, with ``--commands`` and twice as many)
and divides the difference in instructions by the commands it adds, so the setup cancels out. The
count repeated within 0.3 % here, whatever else the machine did; it includes making and encoding the
envelopes (the serving process's work), the same for both builds of a comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from commands.dispatch import envelope_for
from processors.handed import HandedCommands
from processors.host import EmbeddedProcessors
from projections.playlists.project import NAME as PLAYLISTS
from tuneton.bootstrap import build_runtime
from tuneton.domain.playlist.commands import AddTrack, CreatePlaylist
from tuneton.event_loop import use_event_loop
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.observability.gc_tuning import tune_gc
from tuneton.peer_link import packed
from tuneton.ports import LocalEventLog, ReadStore
from tuneton.settings import Settings

OWNER = "tg:1"
_VALGRIND = ("valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null")
_ITSELF = (sys.executable, "-m", "benchmarks.worker_batches")


class _Verdicts:
    """Counts the worker's verdicts and wakes the phase when the expected number is out."""

    def __init__(self) -> None:
        self.seen = 0
        self.rejected = 0
        self.expected = 0
        self.done = asyncio.Event()

    def __call__(self, outcomes: Sequence[CommandOutcome]) -> None:
        self.seen += len(outcomes)
        self.rejected += sum(1 for o in outcomes if o.status is not OutcomeStatus.ACCEPTED)
        if self.seen >= self.expected:
            self.done.set()


def _handed(envelopes: list[CommandEnvelope], codec: AvroCodec) -> list[tuple[CommandEnvelope, bytes]]:
    return [(e, codec.encode_command(e)) for e in envelopes]


async def _phase(
    handed: HandedCommands, verdicts: _Verdicts, items: list[tuple[CommandEnvelope, bytes]], batch: int
) -> None:
    """Hand ``items`` in ``batch`` at a time, each once the previous one's verdicts are out."""
    for start in range(0, len(items), batch):
        chunk = items[start : start + batch]
        verdicts.expected = verdicts.seen + len(chunk)
        verdicts.done.clear()
        for _, body in packed(chunk):
            handed.arrived(body)
        await verdicts.done.wait()


async def _projected(store: ReadStore, playlist_ids: list[str], versions: dict[str, int]) -> None:
    """Until the playlists projection has applied each playlist's last version (woken by its commits)."""
    for playlist_id in playlist_ids:
        while True:
            with store.watch(PLAYLISTS, playlist_id) as changed:
                if await store.aggregate_version(PLAYLISTS, playlist_id) >= versions[playlist_id]:
                    break
                if changed is None:
                    raise RuntimeError("the embedded read store wakes its waiters at each commit")
                await changed.wait()


async def measure(rounds: int, commands: int, playlists: int, batch: int) -> dict[str, object]:
    """``rounds`` phases of ``commands`` AddTracks on one worker; CPU µs per command of each."""
    with tempfile.TemporaryDirectory() as data:
        settings = Settings(runtime="embedded", data_dir=Path(data))
        rt = build_runtime(settings)
        async with rt:
            local = rt.event_log
            if not isinstance(local, LocalEventLog):
                raise TypeError("the embedded worker runs on the embedded event log")
            handed = HandedCommands(lambda: local.wake(frozenset({topics.COMMANDS})))
            verdicts = _Verdicts()
            async with EmbeddedProcessors(rt, handed=handed, on_outcomes=verdicts):
                ids = [str(uuid.uuid4()) for _ in range(playlists)]
                versions = dict.fromkeys(ids, 1)
                created = [
                    envelope_for(
                        CreatePlaylist(playlist_id=p, name="bench"),
                        aggregate_id=p,
                        actor_id=OWNER,
                        command_id=str(uuid.uuid4()),
                    )
                    for p in ids
                ]
                await _phase(handed, verdicts, _handed(created, rt.codec), batch)
                figures: list[float] = []
                walls: list[float] = []
                for _ in range(rounds + 1):  # the first round warms the caches and is not counted
                    adds = []
                    for n in range(commands):
                        playlist = ids[n % playlists]
                        add = AddTrack(playlist_id=playlist, item_id=str(uuid.uuid4()), track_id="t" * 64)
                        adds.append(
                            envelope_for(add, aggregate_id=playlist, actor_id=OWNER, command_id=str(uuid.uuid4()))
                        )
                        versions[playlist] += 1
                    items = _handed(adds, rt.codec)
                    cpu, wall = time.process_time(), time.perf_counter()
                    await _phase(handed, verdicts, items, batch)
                    await _projected(rt.read_store, ids, versions)
                    figures.append((time.process_time() - cpu) / commands * 1e6)
                    walls.append((time.perf_counter() - wall) / commands * 1e6)
                if verdicts.rejected:
                    raise RuntimeError(
                        f"{verdicts.rejected} commands were rejected; the figures would not be AddTracks"
                    )
    counted, waited = figures[1:], walls[1:]
    return {
        "commands_per_round": commands,
        "playlists": playlists,
        "batch": batch,
        "worker_cpu_us_per_command_best": round(min(counted), 1),
        "worker_cpu_us_per_command_median": round(statistics.median(counted), 1),
        "rounds": [round(f, 1) for f in counted],
        "worker_wall_us_per_command_best": round(min(waited), 1),
        "worker_wall_us_per_command_median": round(statistics.median(waited), 1),
    }


def instructions(commands: int, playlists: int, batch: int) -> dict[str, object]:
    """Instructions per command: two runs under valgrind, differenced (module doc)."""
    counted: list[int] = []
    runs = [
        subprocess.Popen(
            [
                *_VALGRIND,
                *_ITSELF,
                "--rounds",
                "1",
                "--commands",
                str(n),
                "--playlists",
                str(playlists),
                "--batch",
                str(batch),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (commands, 2 * commands)
    ]
    for run in runs:  # side by side: each is one process on one core
        _, err = run.communicate()
        found = re.search(r"I\s+refs:\s+([\d,]+)", err)
        if run.returncode != 0 or found is None:
            raise RuntimeError(f"valgrind run failed: {err[-2000:]}")
        counted.append(int(found.group(1).replace(",", "")))
    added = 2 * commands  # --rounds 1 runs two phases (the warm-up and the counted one) of each size
    return {
        "commands": [commands, 2 * commands],
        "playlists": playlists,
        "batch": batch,
        "instructions": counted,
        "instructions_per_command": round((counted[1] - counted[0]) / added),
    }


def main() -> None:
    """Print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--commands", type=int, default=4000)
    parser.add_argument("--playlists", type=int, default=256)
    parser.add_argument("--batch", type=int, default=86, help="commands per decider batch")
    parser.add_argument("--instructions", action="store_true", help="count instructions under valgrind instead")
    args = parser.parse_args()
    if args.instructions:
        print(json.dumps(instructions(args.commands, args.playlists, args.batch), indent=1))
        return
    settings = Settings(runtime="embedded")
    tune_gc(settings.gc_young_threshold)  # as processors/__main__.py sets the worker up
    use_event_loop(settings.worker_event_loop)
    print(json.dumps(asyncio.run(measure(args.rounds, args.commands, args.playlists, args.batch)), indent=1))


if __name__ == "__main__":
    main()
