"""The backbone benchmark's machine-wide CPU per request (benchmarks/machine_cpu.py): the arithmetic on
``/proc`` texts, and one real reading of this machine."""

from __future__ import annotations

import os

import pytest

from benchmarks.machine_cpu import (
    TICK_S,
    CpuSnapshot,
    MachineTimes,
    machine_times,
    per_request,
    process_cpu_s,
    program_of,
    snapshot,
)

PROC_STAT = "cpu  100 5 40 900 30 2 3 1 0 0\ncpu0 50 2 20 450 15 1 1 0 0 0\n"


def test_busy_time_leaves_out_idle_io_wait_and_steal() -> None:
    assert machine_times(PROC_STAT).busy_s == pytest.approx((100 + 5 + 40 + 2 + 3) * TICK_S)


def test_steal_and_the_whole_are_read_beside_the_busy_time() -> None:
    times = machine_times(PROC_STAT)
    assert times.steal_s == pytest.approx(1 * TICK_S)
    assert times.total_s == pytest.approx((100 + 5 + 40 + 900 + 30 + 2 + 3 + 1) * TICK_S)


def test_a_process_s_cpu_survives_a_name_with_spaces_and_parens() -> None:
    stat = "42 (java (kafka) x) S 1 42 42 0 -1 4194560 10 0 0 0 700 300 0 0 20 0 60 0"
    assert process_cpu_s(stat) == pytest.approx(1000 * TICK_S)


@pytest.mark.parametrize(
    ("cmdline", "program"),
    [
        ("/usr/lib/jvm/java-17/bin/java -cp /x/kafka_2.13-3.9.1.jar kafka.Kafka /s/k.properties", "kafka broker"),
        ("/usr/lib/postgresql/15/bin/postgres -D /var/lib/tuneton/pg", "postgresql"),
        ("postgres: postgres apicurio 127.0.0.1(5123) idle", "postgresql"),
        ("java -Dapicurio.datasource.url=jdbc:postgresql://127.0.0.1/apicurio -jar quarkus-run.jar", "schema registry"),
        ("wrk -t1 -c16 -d8s --timeout 10s -s /tmp/b/wrk-1.lua http://127.0.0.1:9", "load generator (wrk)"),
        ("/usr/bin/bash -l", None),
    ],
)
def test_programs_are_told_apart_by_their_command_lines(cmdline: str, program: str | None) -> None:
    assert program_of(cmdline) == program


def test_per_request_counts_only_processes_alive_across_the_phase() -> None:
    before = CpuSnapshot(
        MachineTimes(10.0, steal_s=1.0, total_s=100.0),
        {1: ("kafka broker", 5.0), 2: ("tuneton (product)", 1.0), 3: ("postgresql", 0.5)},
    )
    after = CpuSnapshot(
        MachineTimes(12.0, steal_s=1.5, total_s=104.0),
        {1: ("kafka broker", 5.4), 2: ("tuneton (product)", 2.0), 4: ("postgresql", 0.3)},  # 3 went, 4 came
    )
    figures = per_request(before, after, requests=1000)
    assert figures["steal_share"] == 0.125  # 0.5 of 4 core-seconds: no part of the cost per request
    assert figures["machine_cpu_ms_per_request"] == 2.0
    assert figures["machine_cpu_ms_per_request_by_program"] == {
        "tuneton (product)": 1.0,
        "other (background, short-lived processes)": 0.6,
        "kafka broker": 0.4,
    }
    assert figures["ceiling_per_s"] == round((os.cpu_count() or 1) * 1000 / 2.0, 1)


def test_a_reading_of_this_machine_sees_this_process_as_the_product() -> None:
    now = snapshot([os.getpid()])
    assert now.machine.busy_s > 0
    assert now.processes[os.getpid()][0] == "tuneton (product)"
