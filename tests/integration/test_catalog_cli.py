"""``tuneton demo`` and ``tuneton import`` in-process on the embedded runtime (the ``make run`` path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.e2e.servers import ROOT, product_env
from tests.media_files import synth, tag_id3


def tuneton(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = product_env({})
    return subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "--data-dir", str(data), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_demo_seeds_once_with_tags_covers_and_several_scripts(tmp_path: Path) -> None:
    seeded = tuneton(tmp_path / "data", "demo", "--if-empty", "--json")
    assert seeded.returncode == 0, seeded.stderr
    summary = json.loads(seeded.stdout)
    assert (summary["imported"] + summary["duplicate"], summary["failed"]) == (12, 0)
    again = tuneton(tmp_path / "data", "demo", "--if-empty")
    assert again.returncode == 0
    assert "already has tracks" in again.stderr

    import sqlite3

    with sqlite3.connect(tmp_path / "data" / "readmodels.db") as db:
        rows = db.execute("SELECT title, cover_source, visibility FROM tracks ORDER BY sort_key").fetchall()
    titles = {title for title, _, _ in rows}
    assert {"Café à Montmartre", "Звёздная дорога", "東京の雨", "서울의 밤"} <= titles
    assert {source for _, source, _ in rows} == {"embedded"}
    assert {visibility for _, _, visibility in rows} == {"public"}


def test_import_in_process_reports_each_outcome(tmp_path: Path) -> None:
    folder = tmp_path / "Music"
    folder.mkdir()
    tag_id3(synth(folder / "one.mp3", seconds=1.5), title="Один", artist="Кино")
    synth(folder / "two.flac", seconds=1.5)
    (folder / "three.mp3").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    done = tuneton(tmp_path / "data", "import", str(folder), "--user", "alice", "--json")
    assert done.returncode == 1, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["imported"], summary["failed"]) == (2, 1)
    assert summary["failures"] == [
        {"path": "three.mp3", "reason": "not_audio", "message": "the file is a png image, not audio"}
    ]
    again = json.loads(tuneton(tmp_path / "data", "import", str(folder), "--user", "alice", "--json").stdout)
    assert (again["already_done"], again["failed"]) == (2, 1)
