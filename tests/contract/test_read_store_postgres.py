"""The ReadStore contract on a real PostgreSQL, in a throw-away database per module.

The database uses an ICU en-US default collation on purpose: under it "aZ" sorts after "aa", so
only the ``COLLATE "C"`` on rank columns keeps playlist order byte-wise, and the rank test proves it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from tests.contract.read_store_contract import DDL, ReadStoreContract
from tuneton.adapters.postgres.readstore import PostgresReadStore
from tuneton.ports import ReadStore

pytestmark = pytest.mark.postgres


def _with_database(dsn: str, name: str) -> str:
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="module")
def database(postgres_dsn: str) -> Iterator[str]:
    """DSN of a fresh database ``tuneton_test_<uuid>``, dropped after the module."""
    name = f"tuneton_test_{uuid.uuid4().hex[:12]}"
    ident = sql.Identifier(name)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        try:
            admin.execute(
                sql.SQL(
                    "CREATE DATABASE {} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
                ).format(ident)
            )
        except psycopg.errors.FeatureNotSupported:  # a server built without ICU: default collation
            admin.execute(sql.SQL("CREATE DATABASE {}").format(ident))
    try:
        yield _with_database(postgres_dsn, name)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))


class TestPostgresReadStore(ReadStoreContract):
    db_error = psycopg.Error

    @pytest.fixture
    async def store(self, database: str) -> AsyncIterator[ReadStore]:
        read_store = PostgresReadStore(database, ddl=[DDL], min_size=1, max_size=2)
        await read_store.start()
        yield read_store
        await read_store.close()

    async def test_the_database_collation_is_not_byte_wise(self, store: ReadStore) -> None:
        rows = await store.fetch_all("SELECT 'aZ' < 'aa' AS byte_wise", {})
        assert rows == [{"byte_wise": False}]
