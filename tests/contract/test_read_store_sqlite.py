"""The ReadStore contract on SQLite (the embedded runtime's read models)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path

import pytest

from tests.contract.read_store_contract import DDL, ReadStoreContract
from tuneton.adapters.sqlite.readstore import SqliteReadStore
from tuneton.ports import ReadStore


class TestSqliteReadStore(ReadStoreContract):
    db_error = sqlite3.Error

    path: Path

    @pytest.fixture
    async def store(self, tmp_path: Path) -> AsyncIterator[ReadStore]:
        self.path = tmp_path / "readmodels.db"
        read_store = SqliteReadStore(self.path, ddl=[DDL])
        await read_store.start()
        yield read_store
        await read_store.close()

    async def titles_elsewhere(self) -> list[str]:
        with closing(sqlite3.connect(self.path)) as other:
            return [title for (title,) in other.execute("SELECT title FROM contract_lists ORDER BY list_id")]
