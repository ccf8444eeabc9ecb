"""The SchemaRegistry contract: what the Avro codec relies on, for every registry.

Subclassed by the in-memory fake, the embedded registry and a real Confluent-API registry (Apicurio's
ccompat API in the stack). Compatibility is BACKWARD everywhere: the fake and the embedded registry
check it with ``tuneton.events.compatibility``; a real registry by its global rule
(``infra/registry/start.sh`` sets BACKWARD, Confluent's default; Apicurio's own default is NONE).
Subjects carry a uuid, so a shared registry never mixes tests or runs.
"""

from __future__ import annotations

import abc
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import pytest

from tuneton.events.compatibility import IncompatibleSchema
from tuneton.ports import SchemaRegistry


def schema(*fields: dict[str, Any]) -> dict[str, Any]:
    """An Avro record schema: a required ``a`` plus ``fields``."""
    return {
        "type": "record",
        "name": "R",
        "namespace": "tuneton.contract",
        "fields": [{"name": "a", "type": "int"}, *fields],
    }


V1 = schema()
V2 = {**schema({"name": "b", "type": "string", "default": ""}), "fields": [
    {"name": "a", "type": "long"}, {"name": "b", "type": "string", "default": ""},
]}  # fmt: skip  # int -> long promotion plus a field with a default: reads v1 data
BREAKING = {**V1, "fields": [{"name": "b", "type": "string"}]}  # no default: v1 data cannot be read


def subject() -> str:
    """A subject no other test (or earlier run against a shared registry) uses."""
    return f"contract-{uuid.uuid4().hex[:12]}-value"


class SchemaRegistryContract(abc.ABC):
    """Inherit and implement ``registry``."""

    #: What ``IncompatibleSchema.problems`` says for BREAKING (None: the server words it its own way).
    breaking_problems: ClassVar[list[str] | None] = ["b: field is missing in the writer and has no default"]

    @pytest.fixture
    @abc.abstractmethod
    async def registry(self) -> AsyncIterator[SchemaRegistry]:
        """A registry; it may hold other subjects."""
        yield  # type: ignore[misc]

    async def test_register_is_idempotent(self, registry: SchemaRegistry) -> None:
        name = subject()
        first = await registry.register(name, json.dumps(V1))
        assert await registry.register(name, json.dumps(V1)) == first
        assert await registry.register(name, json.dumps(V1, indent=4, sort_keys=True)) == first

    async def test_schema_by_id_round_trips(self, registry: SchemaRegistry) -> None:
        schema_id = await registry.register(subject(), json.dumps(V1))
        assert json.loads(await registry.schema_by_id(schema_id)) == V1

    async def test_a_compatible_new_version_gets_a_new_id_and_both_stay_readable(
        self, registry: SchemaRegistry
    ) -> None:
        name = subject()
        v1 = await registry.register(name, json.dumps(V1))
        v2 = await registry.register(name, json.dumps(V2))
        assert v2 != v1
        assert json.loads(await registry.schema_by_id(v1)) == V1
        assert json.loads(await registry.schema_by_id(v2)) == V2
        assert await registry.register(name, json.dumps(V1)) == v1  # an old version keeps its id

    async def test_an_incompatible_new_version_is_refused(self, registry: SchemaRegistry) -> None:
        name = subject()
        await registry.register(name, json.dumps(V1))
        with pytest.raises(IncompatibleSchema) as refused:
            await registry.register(name, json.dumps(BREAKING))
        assert refused.value.subject == name
        if self.breaking_problems is not None:
            assert refused.value.problems == self.breaking_problems

    async def test_subjects_evolve_independently(self, registry: SchemaRegistry) -> None:
        await registry.register(subject(), json.dumps(V1))
        assert await registry.register(subject(), json.dumps(BREAKING)) > 0

    async def test_the_same_schema_under_another_subject_resolves_to_it(self, registry: SchemaRegistry) -> None:
        ids = [await registry.register(subject(), json.dumps(V1)) for _ in range(2)]
        # Confluent and Apicurio share one id per content; the embedded registry numbers per subject.
        assert [json.loads(await registry.schema_by_id(i)) for i in ids] == [V1, V1]

    async def test_an_unknown_id_is_a_lookup_error(self, registry: SchemaRegistry) -> None:
        with pytest.raises(LookupError):
            await registry.schema_by_id(2_000_000_000)
