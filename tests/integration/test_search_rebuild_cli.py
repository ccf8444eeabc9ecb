"""``tuneton projections rebuild search`` is what an index of other analysis rules asks for, and it can run:
the serving process refuses such an index at start, the rebuild drops and refills it (embedded runtime)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.servers import ROOT, run_cli
from tuneton.media.search_text import ANALYSIS_VERSION


def test_a_search_index_of_other_analysis_rules_is_rebuilt_not_refused(tmp_path: Path) -> None:
    env = {**os.environ, "TUNETON_DATA_DIR": str(tmp_path / "data"), "TUNETON_RUNTIME": "embedded"}
    run_cli(env, "projections", "rebuild", "search")  # a first run creates the log and the index
    search_db = tmp_path / "data" / "search.db"
    with sqlite3.connect(search_db) as db:
        db.execute("UPDATE search_meta SET value = '0' WHERE key = 'analysis_version'")
    refused = subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "projections", "rebuild", "playlists"],  # starts every adapter
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert refused.returncode != 0
    assert "analysis version 0" in refused.stderr
    report = json.loads(run_cli(env, "projections", "rebuild", "search").strip().splitlines()[-1])
    assert report["projection"] == "search"
    with sqlite3.connect(search_db) as db:
        [(version,)] = db.execute("SELECT value FROM search_meta WHERE key = 'analysis_version'").fetchall()
    assert version == str(ANALYSIS_VERSION)
