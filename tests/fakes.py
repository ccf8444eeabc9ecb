"""In-memory fakes of the ports, subclassing the real ABCs so a signature drift breaks them too."""

from __future__ import annotations

import json

from tuneton.events.compatibility import IncompatibleSchema, backward_problems
from tuneton.ports import SchemaRegistry


class InMemorySchemaRegistry(SchemaRegistry):
    """Confluent's model in memory: global ids shared across subjects, versions counted per subject.

    Like the real registry's default (BACKWARD), a new version must read data of the subject's latest.
    """

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}  # canonical schema -> global id
        self._texts: dict[int, str] = {}
        self._subjects: dict[str, list[int]] = {}  # subject -> ids, index = version - 1

    async def register(self, subject: str, schema_json: str) -> int:
        """Idempotent per (subject, canonical schema); refuses a backward-incompatible new version."""
        canonical = _canonical(schema_json)
        versions = self._subjects.get(subject, [])
        known = self._ids.get(canonical)
        if known is not None and known in versions:
            return known
        if versions:
            problems = backward_problems(json.loads(schema_json), json.loads(self._texts[versions[-1]]))
            if problems:
                raise IncompatibleSchema(subject, problems)
        schema_id = known if known is not None else len(self._texts) + 1
        self._ids[canonical] = schema_id
        self._texts.setdefault(schema_id, schema_json)
        self._subjects[subject] = [*versions, schema_id]
        return schema_id

    async def schema_by_id(self, schema_id: int) -> str:
        """The schema text for a global id."""
        try:
            return self._texts[schema_id]
        except KeyError:
            raise LookupError(f"schema id {schema_id} not found") from None

    def subjects(self) -> list[str]:
        """Every subject with at least one version."""
        return sorted(self._subjects)

    def versions(self, subject: str) -> list[int]:
        """The global ids of ``subject``'s versions, oldest first (version n at index n - 1)."""
        return list(self._subjects.get(subject, []))


def _canonical(schema_json: str) -> str:
    return json.dumps(json.loads(schema_json), sort_keys=True, separators=(",", ":"))
