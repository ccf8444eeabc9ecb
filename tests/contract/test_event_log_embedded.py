"""The EventLog contract on the embedded SQLite log, plus what only it offers (state in the transaction)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.event_log_contract import EventLogContract, FailingRecord, new_topic, record
from tuneton.adapters.embedded.log import EmbeddedEventLog, UnknownTopicError
from tuneton.ports import EventLog, OutgoingRecord, StateWrite


class TestEmbeddedEventLog(EventLogContract):
    @pytest.fixture
    async def log(self, tmp_path: Path) -> AsyncIterator[EventLog]:
        event_log = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
        await event_log.start()
        yield event_log
        await event_log.close()

    @pytest.fixture
    def failing_record(self) -> FailingRecord:
        def make(sink: str) -> tuple[OutgoingRecord, type[BaseException]]:
            return record(f"missing.{uuid.uuid4().hex}", b"k"), UnknownTopicError

        return make

    async def test_state_is_written_in_the_same_transaction(self, log: EmbeddedEventLog) -> None:
        source = await new_topic(log)
        writes = [StateWrite(store="s", key="a", value=b"1"), StateWrite(store="s", key="b", value=b"2")]
        await log.transact([], group="g", positions=[(source, 0, 1)], state=writes)
        with pytest.raises(UnknownTopicError):
            await log.transact(
                [record("missing", b"k")],
                group="g",
                positions=[(source, 0, 5)],
                state=[StateWrite(store="s", key="a", value=None)],
            )
        assert (await log.get_state("s", "a"), await log.get_state("s", "b")) == (b"1", b"2")
        assert await log.committed("g", source) == {0: 1}
