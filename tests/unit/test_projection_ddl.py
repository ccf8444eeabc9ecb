"""The read models' DDL has nothing that ties one table's rows to another's.

``tuneton.adapters.sql.batch.by_table`` reorders a batch's row operations across tables, which keeps
the final rows only while no foreign key, trigger or rule links the tables. A projection that needs
one must first make the grouping aware of it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tuneton.adapters.sql.statements import BOOKKEEPING_DDL, split_script

SCHEMAS = sorted((Path(__file__).parents[2] / "projections").glob("*/schema.sql"))
CROSS_TABLE = re.compile(r"\b(REFERENCES|FOREIGN\s+KEY|CREATE\s+(OR\s+REPLACE\s+)?(TRIGGER|RULE))\b", re.IGNORECASE)


def test_every_projection_has_a_schema() -> None:
    assert {path.parent.name for path in SCHEMAS} >= {"playlists", "users", "tracks", "renders", "listening"}


@pytest.mark.parametrize("path", SCHEMAS, ids=lambda path: path.parent.name)
def test_no_statement_links_tables(path: Path) -> None:
    for sql in split_script(path.read_text()):
        assert not CROSS_TABLE.search(sql), f"{path}: {sql}"


def test_the_guard_sees_a_foreign_key() -> None:
    assert CROSS_TABLE.search("CREATE TABLE a (b TEXT REFERENCES c (d))")
    assert CROSS_TABLE.search("create trigger t after insert on a for each row execute function f()")
    assert not any(CROSS_TABLE.search(sql) for sql in split_script(BOOKKEEPING_DDL))
