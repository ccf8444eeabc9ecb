"""py-spy (a dev dependency) for the benchmarks: record a process, read its raw collapsed stacks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def record(pid: int, out: Path, seconds: int) -> subprocess.Popen[bytes]:
    """Sample ``pid`` at 100 Hz for ``seconds`` into ``out`` (raw collapsed stacks), without stopping it."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-p", str(pid), "-d", str(seconds), "-r", "100", "-f", "raw", "-o", str(out)]
    return subprocess.Popen([*command, "--nonblocking"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stacks(raw: str) -> Iterator[tuple[str, int]]:
    """(stack, samples) per line of a raw file: frames ``name (file:line)`` joined by ``;``."""
    for line in raw.splitlines():
        if line.strip():
            stack, count = line.rsplit(" ", 1)
            yield stack, int(count)
