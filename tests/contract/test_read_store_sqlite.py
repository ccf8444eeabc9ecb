"""The ReadStore contract on SQLite (the embedded runtime's read models)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.read_store_contract import DDL, ReadStoreContract
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.ports import ReadStore


class TestSqliteReadStore(ReadStoreContract):
    db_error = sqlite3.Error

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[ReadStore]:
        read_store = SqliteReadStore(tmp_path / "readmodels.db", ddl=[DDL])
        await read_store.start()
        yield read_store
        await read_store.close()
