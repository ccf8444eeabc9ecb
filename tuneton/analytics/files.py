"""Export files and resume markers: written to a temporary name and renamed, so a reader (or a crash)
never sees half a file, and a rerun of the same range overwrites instead of duplicating."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from tuneton.analytics.rows import COLUMNS, to_json

Format = Literal["parquet", "jsonl"]
MISSING_PYARROW = "Parquet export needs pyarrow: pip install 'tuneton[analytics]' (or use --format jsonl)"


def write_rows(rows: Sequence[dict[str, Any]], stem: Path, fmt: Format) -> Path:
    """Write ``rows`` to ``stem`` + ``.parquet`` / ``.jsonl``; return the path."""
    path = stem.with_name(f"{stem.name}.{fmt}")
    tmp = stem.with_name(f".{stem.name}.{fmt}.tmp")
    if fmt == "parquet":
        _write_parquet(rows, tmp)
    else:
        with tmp.open("w", encoding="utf-8") as out:
            out.writelines(to_json(row) + "\n" for row in rows)
    os.replace(tmp, path)
    return path


def _write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> None:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(MISSING_PYARROW) from None
    types = {"string": pa.string(), "int": pa.int64(), "timestamp": pa.timestamp("ms", tz="UTC")}
    schema = pa.schema([(name, types[kind]) for name, kind in COLUMNS])
    pq.write_table(pa.Table.from_pylist(list(rows), schema=schema), path, compression="zstd")


class Markers:
    """The next offset to export, per partition: one small JSON file each under ``<dir>/_state``.

    The leading underscore keeps the state out of the data: pyarrow (pandas) and DuckDB globs skip it.
    """

    def __init__(self, directory: Path) -> None:
        self._dir = directory / "_state"

    def next_offset(self, partition: int) -> int:
        """Where the next export of ``partition`` starts (0 the first time)."""
        path = self._path(partition)
        if not path.exists():
            return 0
        return int(json.loads(path.read_text(encoding="utf-8"))["next_offset"])

    def save(self, topic: str, partition: int, next_offset: int) -> None:
        """Record that everything below ``next_offset`` is exported (after its file is in place)."""
        self._dir.mkdir(parents=True, exist_ok=True)
        tmp = self._dir / f".partition-{partition}.json.tmp"
        body = {"topic": topic, "partition": partition, "next_offset": next_offset}
        tmp.write_text(json.dumps(body) + "\n", encoding="utf-8")
        os.replace(tmp, self._path(partition))

    def _path(self, partition: int) -> Path:
        return self._dir / f"partition-{partition}.json"
