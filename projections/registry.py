"""The projections the product runs, by name (what ``tuneton projections rebuild NAME`` accepts).

``PROJECTIONS`` are relational read models (rows + checkpoints in one read-store transaction);
``SEARCH`` feeds the search index, whose writes are made idempotent by external versions instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from projections.listening import project as listening
from projections.playlists import project as playlists
from projections.renders import project as renders
from projections.search import project as search
from projections.tracks import project as tracks
from projections.users import project as users


@dataclass(frozen=True, kw_only=True)
class Projection:
    """A named projection: its topics, tables, DDL and pure ``project`` function."""

    name: str
    topics: tuple[str, ...]
    tables: tuple[str, ...]
    schema: Path
    project: Any

    @property
    def group(self) -> str:
        """Consumer group of the projector that maintains this read model."""
        return f"tuneton-projector-{self.name}"


@dataclass(frozen=True, kw_only=True)
class IndexProjection:
    """A projection onto the search index: ``project(current, event, meta) -> change | None``."""

    name: str
    topics: tuple[str, ...]
    project: Any

    @property
    def group(self) -> str:
        """Consumer group of the projector that maintains the index."""
        return f"tuneton-projector-{self.name}"


PROJECTIONS: dict[str, Projection] = {
    module.NAME: Projection(
        name=module.NAME, topics=module.TOPICS, tables=module.TABLES, schema=module.SCHEMA, project=module.project
    )
    for module in (playlists, users, tracks, renders, listening)
}

SEARCH = IndexProjection(name=search.NAME, topics=search.TOPICS, project=search.project)
