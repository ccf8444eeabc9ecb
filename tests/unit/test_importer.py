"""``tuneton import``: which files, what the summary says, and resuming after an interruption."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tuneton.catalog.importer import audio_files, command_id_for, import_folder
from tuneton.catalog.progress import Progress
from tuneton.catalog.uploaders import FileResult


class Interrupted(BaseException):
    """Ctrl-C in the middle of an import."""


class FakeUploader:
    """Imports ``*.mp3``, calls ``dup*`` duplicates, fails the rest; can be interrupted after n files."""

    def __init__(self, *, interrupt_after: int | None = None) -> None:
        self.seen: list[str] = []
        self.command_ids: list[str] = []
        self._interrupt_after = interrupt_after

    async def upload(self, path: Path, *, name: str, command_id: str) -> FileResult:
        if self._interrupt_after is not None and len(self.seen) >= self._interrupt_after:
            raise Interrupted
        self.seen.append(name)
        self.command_ids.append(command_id)
        if name.startswith("dup"):
            return FileResult(status="duplicate", track_id="t-dup")
        if name.endswith(".mp3"):
            return FileResult(status="imported", track_id=f"t-{name}")
        return FileResult(status="failed", reason="not_audio", message="the file is text, not audio")


@pytest.fixture
def music(tmp_path: Path) -> Path:
    root = tmp_path / "Music"
    for relative in ("a/01.mp3", "a/02.mp3", "a/cover.jpg", "b/dup.mp3", "b/notes.FLAC", ".hidden/x.mp3", "c/.x.mp3"):
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(relative.encode() * 100)
    return root


def test_audio_files_by_extension_without_hidden_ones(music: Path) -> None:
    assert [str(p.relative_to(music)) for p in audio_files(music)] == [
        "a/01.mp3",
        "a/02.mp3",
        "b/dup.mp3",
        "b/notes.FLAC",
    ]


async def test_summary_counts_and_reasons(music: Path, tmp_path: Path) -> None:
    summary = await import_folder(music, FakeUploader(), state_dir=tmp_path / "state", progress=io.StringIO())
    assert summary.as_dict() == {
        "imported": 2,
        "duplicate": 1,
        "failed": 1,
        "already_done": 0,
        "failures": [{"path": "b/notes.FLAC", "reason": "not_audio", "message": "the file is text, not audio"}],
    }


async def test_an_interrupted_import_resumes_where_it_stopped(music: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = FakeUploader(interrupt_after=2)
    with pytest.raises(Interrupted):
        await import_folder(music, first, state_dir=state, concurrency=1, progress=io.StringIO())
    assert first.seen == ["01.mp3", "02.mp3"]
    again = FakeUploader()
    summary = await import_folder(music, again, state_dir=state, concurrency=1, progress=io.StringIO())
    assert again.seen == ["dup.mp3", "notes.FLAC"]
    assert (summary.resumed, summary.counts["duplicate"], summary.counts["failed"]) == (2, 1, 1)
    third = FakeUploader()
    summary = await import_folder(music, third, state_dir=state, concurrency=1, progress=io.StringIO())
    assert third.seen == ["notes.FLAC"]  # failures are retried, everything else is done
    assert summary.resumed == 3


async def test_a_changed_file_is_imported_again(music: Path, tmp_path: Path) -> None:
    state = tmp_path / "state"
    await import_folder(music, FakeUploader(), state_dir=state, progress=io.StringIO())
    (music / "a" / "01.mp3").write_bytes(b"re-encoded")
    again = FakeUploader()
    await import_folder(music, again, state_dir=state, progress=io.StringIO())
    assert "01.mp3" in again.seen


def test_command_ids_are_stable_per_file_version(tmp_path: Path) -> None:
    assert command_id_for(tmp_path, "a.mp3", (1, 2)) == command_id_for(tmp_path, "a.mp3", (1, 2))
    assert command_id_for(tmp_path, "a.mp3", (1, 2)) != command_id_for(tmp_path, "a.mp3", (1, 3))


def test_progress_line_shows_files_megabytes_and_eta() -> None:
    out = io.StringIO()
    bar = Progress(files=4, total_bytes=4 * 1024 * 1024, stream=out, label="import ")
    bar.advance(1024 * 1024, "a/01.mp3")
    line = out.getvalue().strip()
    assert line.startswith("import [######")
    assert "1/4 files" in line
    assert "1.0/4.0 MB" in line
    assert "ETA " in line
    assert line.endswith("a/01.mp3")
