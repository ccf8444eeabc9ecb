"""A new machine: the servers that run as their own user start from a mode-700 home and empty caches.

PostgreSQL and Elasticsearch refuse to run as root, so as root the scripts run them as ``postgres`` and
``tuneton-es``. On a new machine the download cache and the default state dir sit under root's home,
which is mode 700: the first CI run on such a machine stopped with ``tuneton-es cannot run
<home>/.cache/tuneton/elasticsearch-8.19.3``. Here a fresh mode-700 directory plays that home (cache and
state empty inside it), and each script must start its server there without loosening the directory.
Each server runs on its own ports beside the suite's, and is stopped again.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="the mode-700 home problem exists only for root"),
    pytest.mark.isolated,  # servers of its own: runs beside the rest
]


@pytest.fixture
def private_home(tmp_path: Path) -> Path:
    """A directory like a new machine's home: mode 700, with empty cache and state dirs inside."""
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    home.chmod(0o700)
    return home


def _script_env(home: Path, **ports: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(TUNETON_CACHE_DIR=str(home / ".cache" / "tuneton"), TUNETON_STACK_DIR=str(home / "stack"), **ports)
    return env


def _run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(REPO_ROOT / script)], env=env, capture_output=True, text=True, timeout=600, check=False
    )


def test_postgres_starts_under_a_mode_700_home(private_home: Path) -> None:
    env = _script_env(private_home, TUNETON_PG_PORT="55491")
    started = _run("infra/postgres/start.sh", env)
    try:
        assert started.returncode == 0, started.stderr
        with psycopg.connect("postgresql://postgres@127.0.0.1:55491/tuneton", connect_timeout=5) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
        assert private_home.stat().st_mode & 0o777 == 0o700, "the home was loosened"
    finally:
        stopped = _run("infra/postgres/stop.sh", env)
    assert stopped.returncode == 0, stopped.stderr


def test_elasticsearch_starts_under_a_mode_700_home_with_an_empty_cache(private_home: Path) -> None:
    env = _script_env(private_home, TUNETON_ES_PORT="9291", TUNETON_ES_TRANSPORT_PORT="9391")
    started = _run("infra/elasticsearch/start.sh", env)
    try:
        assert started.returncode == 0, started.stderr
        health = httpx.get("http://127.0.0.1:9291/_cluster/health", timeout=10).json()
        assert health["status"] in {"green", "yellow"}
        assert private_home.stat().st_mode & 0o777 == 0o700, "the home was loosened"
    finally:
        stopped = _run("infra/elasticsearch/stop.sh", env)
    assert stopped.returncode == 0, stopped.stderr
