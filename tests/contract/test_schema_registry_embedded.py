"""The SchemaRegistry contract on the embedded registry (in the event log's SQLite file) and the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.schema_registry_contract import SchemaRegistryContract
from tests.fakes import InMemorySchemaRegistry
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.embedded.registry import EmbeddedSchemaRegistry
from tuneton.ports import SchemaRegistry


class TestEmbeddedSchemaRegistry(SchemaRegistryContract):
    @pytest.fixture
    async def registry(self, tmp_path: Path) -> AsyncIterator[SchemaRegistry]:
        log = EmbeddedEventLog(tmp_path / "events.db")
        await log.start()
        yield EmbeddedSchemaRegistry(log)
        await log.close()


class TestInMemorySchemaRegistry(SchemaRegistryContract):
    @pytest.fixture
    def registry(self) -> SchemaRegistry:
        return InMemorySchemaRegistry()
