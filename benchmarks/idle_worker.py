"""What an idle Kafka product costs: the CPU of the Faust worker, the API and the servers with no load.

A worker that polls while nothing happens takes cores from everything else on the machine (on this
2-core VM, from the test suite's other processes and from the load of the backbone benchmark), and
an operator pays for it around the clock. This starts ``tuneton serve`` and the Faust worker on the
dev stack, waits until they answer a command, lets them idle, and prints one JSON object: each
process's share of a core, the whole machine's by program (benchmarks/machine_cpu.py), and how much of
the time the hypervisor stole.

Usage (dev stack up: ``infra/stack up``, ``infra/elasticsearch/start.sh``, ``infra/s3/start.sh``):
    python -m benchmarks.idle_worker [--seconds 20] [--setting worker_idle_fetch_max_wait_ms=20]

Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks import machine_cpu
from benchmarks.product_env import auth_headers, benchmark_env, setting_env
from tests.e2e.servers import free_port, serve, wait_processing, worker


def share_of_a_core(cpu_s: float, seconds: float) -> float:
    """CPU seconds over a wall-clock span, as a percentage of one core."""
    return round(cpu_s / seconds * 100, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=20.0, help="how long to watch the idle product")
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to wait after the first answer")
    parser.add_argument("--setting", action="append", default=[], help="NAME=VALUE for TUNETON_NAME")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tuneton-idle-"))
    env = benchmark_env("kafka", work, **setting_env(args.setting))
    faust = worker({**env, "TUNETON_WORKER_METRICS_PORT": str(free_port())}, work / "worker.log")
    api, base = None, ""
    try:
        api, base = serve(env, work / "serve.log")
        wait_processing(base, auth_headers(env, "probe"))
        time.sleep(args.settle)  # the first answer's batches, commits and changelog reads settle
        pids = {"worker": faust.popen.pid, "api": api.popen.pid}
        before = machine_cpu.snapshot(pids.values())
        started = time.monotonic()
        time.sleep(args.seconds)
        after = machine_cpu.snapshot(pids.values())
        seconds = time.monotonic() - started
    finally:
        if api is not None:
            api.stop()
        faust.stop()
    whole = machine_cpu.per_request(before, after, 1)  # one "request": the figures are the phase's CPU ms
    by_program = whole["machine_cpu_ms_per_request_by_program"]
    assert isinstance(by_program, dict)
    figures = {
        "seconds": round(seconds, 1),
        "settings": args.setting,
        "percent_of_a_core": {
            name: share_of_a_core(after.processes[pid][1] - before.processes[pid][1], seconds)
            for name, pid in pids.items()
        },
        "machine_percent_of_a_core_by_program": {
            name: share_of_a_core(ms / 1000, seconds) for name, ms in by_program.items()
        },
        "steal_share": whole["steal_share"],
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
