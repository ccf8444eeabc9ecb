"""The whole machine's CPU over a benchmark phase, by program: what a command costs beyond the product.

On Kafka the product's processes are not the only ones a command keeps busy: the broker, PostgreSQL,
the schema registry and the load generator share this machine's cores. When every core is busy, the
rate a machine can carry is its cores divided by the CPU one command costs *everywhere*, so that figure
(``ceiling_per_s``) says how far an aim is from reach at today's cost, whatever the noise of one run.

Read from ``/proc``: the machine's busy time from ``/proc/stat`` (everything but idle, I/O wait and
steal, across all cores) and each process's user + system time from ``/proc/<pid>/stat``. A process is
counted only if it lived through the whole phase (servers and their connections do; a helper that
came and went lands in ``other``, with the machine's background).

Steal is the time the hypervisor gave this VM's cores to another guest: no process here ran then, so
it is no part of what a command costs, and it is reported apart (``steal_share``: the stolen part of
the phase's core-seconds). This VM's quick and slow hours differ by it (one run of the test suite on
27 Nov 2026: vmstat's 10-s samples had a median of 6 % steal, a quarter of them 23 % or more), so a
figure from a slow hour can be told by it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1 / os.sysconf("SC_CLK_TCK")
# What a process is, by a marker in its command line: the first program whose marker occurs wins.
# PostgreSQL comes first: its backends name their database ("postgres: postgres apicurio ..."), and
# the registry's command line names PostgreSQL only as a JDBC URL, which no marker here matches.
PROGRAMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("postgresql", ("/bin/postgres ", "postgres: ")),
    ("kafka broker", ("kafka.Kafka",)),
    ("schema registry", ("apicurio",)),
    ("elasticsearch", ("org.elasticsearch.",)),
    ("s3 server", ("versitygw",)),
    ("load generator (wrk)", ("wrk",)),
)


@dataclass(frozen=True)
class MachineTimes:
    """All cores' seconds from ``/proc/stat``: busy (user, nice, system, irq, softirq), stolen, in all."""

    busy_s: float
    steal_s: float = 0.0
    total_s: float = 0.0  # idle and stolen included


@dataclass(frozen=True)
class CpuSnapshot:
    """The machine's core-seconds, and each live process's (program, CPU seconds), at one instant."""

    machine: MachineTimes
    processes: dict[int, tuple[str, float]]


def machine_times(proc_stat: str) -> MachineTimes:
    """The machine's busy, stolen and total core-seconds from the text of ``/proc/stat``."""
    fields = [int(v) for v in proc_stat.splitlines()[0].split()[1:9]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields
    busy = user + nice + system + irq + softirq
    return MachineTimes(busy * TICK_S, steal * TICK_S, (busy + idle + iowait + steal) * TICK_S)


def program_of(cmdline: str) -> str | None:
    """The program ``cmdline`` (arguments joined by spaces) runs, if one of ``PROGRAMS``."""
    return next((name for name, markers in PROGRAMS if any(m in cmdline for m in markers)), None)


def process_cpu_s(stat: str) -> float:
    """User + system seconds from the text of ``/proc/<pid>/stat`` (the name may hold spaces and parens)."""
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


def snapshot(product_pids: Iterable[int]) -> CpuSnapshot:
    """Now: the machine's busy time and every process's CPU, the product's ``product_pids`` labelled so."""
    product = set(product_pids)
    processes: dict[int, tuple[str, float]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cpu = process_cpu_s((entry / "stat").read_text())
        except OSError:  # it exited while we looked
            continue
        pid = int(entry.name)
        processes[pid] = ("tuneton (product)" if pid in product else program_of(cmdline) or "other", cpu)
    return CpuSnapshot(machine_times((PROC / "stat").read_text()), processes)


def per_request(before: CpuSnapshot, after: CpuSnapshot, requests: int) -> dict[str, object]:
    """CPU ms per request over the phase: the machine's, by program, the rate its cores could carry if
    they were all ours, and the share of the phase the hypervisor stole from them."""
    requests = max(1, requests)
    machine_ms = (after.machine.busy_s - before.machine.busy_s) * 1000 / requests
    by_program: dict[str, float] = {}
    for pid, (program, cpu) in after.processes.items():
        if pid in before.processes and before.processes[pid][0] == program:
            by_program[program] = by_program.get(program, 0.0) + cpu - before.processes[pid][1]
    named = {name: seconds * 1000 / requests for name, seconds in by_program.items() if name != "other"}
    named["other (background, short-lived processes)"] = machine_ms - sum(named.values())
    cores = os.cpu_count() or 1
    elapsed_s = after.machine.total_s - before.machine.total_s
    stolen_s = after.machine.steal_s - before.machine.steal_s
    return {
        "steal_share": round(stolen_s / elapsed_s, 3) if elapsed_s > 0 else None,
        "machine_cpu_ms_per_request": round(machine_ms, 3),
        "machine_cpu_ms_per_request_by_program": {
            name: round(ms, 3) for name, ms in sorted(named.items(), key=lambda item: -item[1])
        },
        "ceiling_per_s": round(cores * 1000 / machine_ms, 1) if machine_ms > 0 else None,
    }
