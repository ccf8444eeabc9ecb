"""``tuneton import DIR``: walk a music folder and ingest every audio file, resumably.

* Files are chosen by extension (a music folder also holds ``cover.jpg``, ``.cue`` and ``.log``
  files); what they really are is still decided by sniffing their content.
* Each finished file is appended to a JSON-lines state file under ``<data_dir>/imports/`` (one per
  folder), with its size and modification time. A rerun skips files recorded as imported or
  duplicate and unchanged since, so an interrupted import resumes where it stopped; failed files are
  tried again. Command ids derive from (folder, path, size, mtime), so a file interrupted between
  "submitted" and "recorded" is decided once.
* Several files are ingested at once (CPU-bound steps share the ingest's semaphore).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from tuneton.catalog.progress import Progress
from tuneton.catalog.uploaders import FileResult, Uploader

AUDIO_SUFFIXES = frozenset({".mp3", ".flac", ".wav", ".wave", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".aif",
                            ".aiff"})  # fmt: skip
_COMMANDS = uuid.UUID("a6c0f1d2-4c1b-4f6e-8a54-96b7c3e2d1f0")


@dataclass(kw_only=True)
class Summary:
    """Counts per outcome, the failures with their reasons, and files skipped as already done."""

    counts: Counter[str] = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (path, reason, message)
    resumed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form."""
        return {
            "imported": self.counts["imported"],
            "duplicate": self.counts["duplicate"],
            "failed": self.counts["failed"],
            "already_done": self.resumed,
            "failures": [{"path": p, "reason": r, "message": m} for p, r, m in self.failures],
        }


def audio_files(root: Path) -> list[Path]:
    """Audio files under ``root`` by extension, skipping hidden files and folders, in a stable order."""
    found = [
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.suffix.lower() in AUDIO_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
    ]
    return sorted(found, key=lambda p: str(p.relative_to(root)))


class ImportState:
    """The JSON-lines record of finished files for one folder."""

    def __init__(self, state_dir: Path, root: Path) -> None:
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
        self.path = state_dir / f"{digest}.jsonl"
        self.root = root

    def done(self) -> dict[str, dict[str, Any]]:
        """The last record of every file that is imported or a duplicate."""
        records: dict[str, dict[str, Any]] = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash
                records[record["path"]] = record
        return {path: r for path, r in records.items() if r.get("status") in {"imported", "duplicate"}}

    def record(self, fh: TextIO, relative: str, stat: tuple[int, int], result: FileResult) -> None:
        """Append one finished file (flushed at once, so a crash loses at most the file in flight)."""
        entry = {"path": relative, "size": stat[0], "mtime_ns": stat[1], "status": result.status,
                 "track_id": result.track_id, "reason": result.reason}  # fmt: skip
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        fh.flush()


def _plan(root: Path, state: ImportState) -> tuple[list[tuple[Path, str, tuple[int, int]]], int]:
    """Files still to import (path, relative path, (size, mtime)) and how many are already done."""
    state.path.parent.mkdir(parents=True, exist_ok=True)
    done = state.done()
    todo, resumed = [], 0
    for path in audio_files(root):
        relative, info = str(path.relative_to(root)), path.stat()
        stat = (info.st_size, info.st_mtime_ns)
        previous = done.get(relative)
        if previous is not None and (previous["size"], previous["mtime_ns"]) == stat:
            resumed += 1
        else:
            todo.append((path, relative, stat))
    return todo, resumed


def command_id_for(root: Path, relative: str, stat: tuple[int, int]) -> str:
    """A stable command id per (folder, file, version of the file)."""
    return str(uuid.uuid5(_COMMANDS, f"{root.resolve()}\x00{relative}\x00{stat[0]}\x00{stat[1]}"))


async def import_folder(
    root: Path, uploader: Uploader, *, state_dir: Path, concurrency: int = 2, progress: TextIO | None = None
) -> Summary:
    """Ingest every audio file under ``root`` not already done; return the summary."""
    state = ImportState(state_dir, root)
    todo, resumed = await asyncio.to_thread(_plan, root, state)
    summary = Summary(resumed=resumed)
    bar = Progress(files=len(todo), total_bytes=sum(s[0] for _, _, s in todo), stream=progress, label="import ")
    limit = asyncio.Semaphore(max(1, concurrency))
    with state.path.open("a", encoding="utf-8") as log:

        async def one(path: Path, relative: str, stat: tuple[int, int]) -> None:
            async with limit:
                result = await uploader.upload(path, name=path.name, command_id=command_id_for(root, relative, stat))
            state.record(log, relative, stat, result)
            summary.counts[result.status] += 1
            if result.status == "failed":
                summary.failures.append((relative, result.reason or "failed", result.message or ""))
            bar.advance(stat[0], relative)

        await asyncio.gather(*(one(*item) for item in todo))
    bar.close()
    return summary
