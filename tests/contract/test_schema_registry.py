"""One contract for every SchemaRegistry: the in-memory fake and the embedded SQLite registry."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes import InMemorySchemaRegistry
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.embedded.registry import EmbeddedSchemaRegistry
from tuneton.events.compatibility import IncompatibleSchema
from tuneton.ports import SchemaRegistry

V1 = json.dumps({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})
V2 = json.dumps(
    {
        "type": "record",
        "name": "R",
        "fields": [{"name": "a", "type": "long"}, {"name": "b", "type": "string", "default": ""}],
    }
)
BREAKING = json.dumps({"type": "record", "name": "R", "fields": [{"name": "b", "type": "string"}]})


class SchemaRegistryContract:
    """Behaviour every registry shares; a subclass provides a fresh, empty ``registry`` fixture."""

    async def test_register_is_idempotent_per_subject(self, registry: SchemaRegistry) -> None:
        first = await registry.register("s-value", V1)
        assert await registry.register("s-value", V1) == first
        respaced = json.dumps(json.loads(V1), indent=4)
        assert await registry.register("s-value", respaced) == first

    async def test_a_new_version_gets_a_new_id_and_both_stay_readable(self, registry: SchemaRegistry) -> None:
        v1 = await registry.register("s-value", V1)
        v2 = await registry.register("s-value", V2)
        assert v1 != v2
        assert json.loads(await registry.schema_by_id(v1)) == json.loads(V1)
        assert json.loads(await registry.schema_by_id(v2)) == json.loads(V2)

    async def test_an_incompatible_version_is_refused(self, registry: SchemaRegistry) -> None:
        await registry.register("s-value", V1)
        with pytest.raises(IncompatibleSchema) as caught:
            await registry.register("s-value", BREAKING)
        assert caught.value.problems == ["b: field is missing in the writer and has no default"]

    async def test_subjects_evolve_independently(self, registry: SchemaRegistry) -> None:
        await registry.register("a-value", V1)
        assert await registry.register("b-value", BREAKING) > 0

    async def test_unknown_id_is_a_lookup_error(self, registry: SchemaRegistry) -> None:
        with pytest.raises(LookupError):
            await registry.schema_by_id(4242)


class TestInMemorySchemaRegistry(SchemaRegistryContract):
    @pytest.fixture
    def registry(self) -> SchemaRegistry:
        return InMemorySchemaRegistry()


class TestEmbeddedSchemaRegistry(SchemaRegistryContract):
    @pytest.fixture
    async def registry(self, tmp_path: Path) -> AsyncIterator[SchemaRegistry]:
        log = EmbeddedEventLog(tmp_path / "events.db")
        await log.start()
        yield EmbeddedSchemaRegistry(log)
        await log.close()
