"""The decider's changelog wait with several batches in flight: resend a failed snapshot only while it is the newest.

A failed changelog record sent again after a newer snapshot of the same key would overwrite it in the
compacted changelog. The older batch waits for the newer record instead (it holds the state, and in
its outbox the older batch's events).
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
import pytest
from faust.tables.base import Collection
from faust.types.tuples import FutureMessage, PendingMessage

from processors import acknowledged_table
from processors.acknowledged_table import AcknowledgedTable


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[FutureMessage]:
    """Every changelog record the table hands to Faust, as a future the test settles."""
    sent: list[FutureMessage] = []

    def send_changelog(self: Any, partition: int | None, key: Any, value: Any, *args: Any) -> FutureMessage:
        future = FutureMessage(PendingMessage(None, key, value, partition, None, None, "raw", "raw", None))  # type: ignore[arg-type]
        sent.append(future)
        return future

    monkeypatch.setattr(Collection, "send_changelog", send_changelog)
    monkeypatch.setattr(acknowledged_table, "RESEND_DELAY_S", 0.0)
    return sent


@pytest.fixture
def table() -> AcknowledgedTable:
    app = faust.App("acknowledged-table-test", broker="kafka://127.0.0.1:1", store="memory://")
    return AcknowledgedTable(app, name="snapshots", key_type=bytes, value_type=bytes)


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def test_each_batch_awaits_its_own_records_and_a_failed_newest_one_is_sent_again(
    table: AcknowledgedTable, sends: list[FutureMessage]
) -> None:
    table.send_changelog(0, b"a", b"v1")
    first = table.take_sent()
    table.send_changelog(0, b"b", b"v1")
    second = table.take_sent()
    assert [f.message.key for f in first] == [b"a"]
    assert [f.message.key for f in second] == [b"b"]
    waiting = asyncio.create_task(table.acknowledged(first))
    sends[0].set_exception(ConnectionError("broker gone"))
    await _settle()
    assert len(sends) == 3
    assert (sends[2].message.key, sends[2].message.value) == (b"a", b"v1"), "a's record went out again"
    assert table.take_sent() == [], "the resend is the first batch's to await, not the next one's"
    assert not waiting.done()
    sends[2].set_result(None)
    await asyncio.wait_for(waiting, 5)


async def test_a_failed_snapshot_superseded_by_a_newer_one_is_not_sent_again(
    table: AcknowledgedTable, sends: list[FutureMessage]
) -> None:
    table.send_changelog(0, b"a", b"version 1")
    first = table.take_sent()
    table.send_changelog(0, b"a", b"version 2")  # the next batch, in flight
    waiting = asyncio.create_task(table.acknowledged(first))
    sends[0].set_exception(ConnectionError("broker gone"))
    await _settle()
    assert [f.message.value for f in sends] == [b"version 1", b"version 2"], "version 1 must not overwrite 2"
    assert not waiting.done(), "batch 1 waits until a snapshot at least as new as its own is durable"
    sends[1].set_result(None)
    await asyncio.wait_for(waiting, 5)


async def test_without_arguments_it_awaits_everything_sent_so_far(
    table: AcknowledgedTable, sends: list[FutureMessage]
) -> None:
    for partition, key in enumerate((b"a", b"b")):
        table.send_changelog(partition, key, b"v")
    waiting = asyncio.create_task(table.acknowledged())
    sends[0].set_result(None)
    await _settle()
    assert not waiting.done()
    sends[1].set_result(None)
    await asyncio.wait_for(waiting, 5)
