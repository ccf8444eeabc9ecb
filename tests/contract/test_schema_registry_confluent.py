"""The SchemaRegistry contract on a real Confluent-API registry (Apicurio's ccompat API in the stack)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.contract.schema_registry_contract import SchemaRegistryContract, subject
from tuneton.adapters.kafka.errors import SchemaRegistryError
from tuneton.adapters.kafka.registry import ConfluentSchemaRegistry
from tuneton.ports import SchemaRegistry

pytestmark = pytest.mark.kafka


class TestConfluentSchemaRegistry(SchemaRegistryContract):
    breaking_problems = None  # the registry's own wording (Apicurio: "Incompatible artifact ...")

    @pytest.fixture
    async def registry(self, schema_registry_url: str) -> AsyncIterator[SchemaRegistry]:
        registry = ConfluentSchemaRegistry(schema_registry_url)
        yield registry
        registry.close()

    async def test_invalid_avro_is_an_adapter_error(self, registry: SchemaRegistry) -> None:
        with pytest.raises(SchemaRegistryError):
            await registry.register(subject(), '{"type": "record", "name": "NoFields"}')


async def test_an_unreachable_registry_is_an_adapter_error() -> None:
    registry = ConfluentSchemaRegistry("http://127.0.0.1:9/apis/ccompat/v7", timeout_s=1, max_retries=0)
    with pytest.raises(SchemaRegistryError, match="unreachable"):
        await registry.register(subject(), '{"type": "string"}')
