"""The outcome listener leaves a handed command's outcome to the worker's link.

The embedded worker appends a handed command's outcome and then sends it over the link; the serving
process's listener, woken by the same commit, used to read and decode every such record as well, and
resolved the caller with a decoded copy whenever it ran before the link message was read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from commands.bus import CommandBus
from commands.dispatch import envelope_for
from tests.fakes import InMemorySchemaRegistry, outcome_for
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.domain.playlist.commands import CreatePlaylist
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.ports import OutgoingRecord


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[tuple[EmbeddedEventLog, AvroCodec, CommandBus]]:
    log = EmbeddedEventLog(tmp_path / "events.db", poll_interval_s=0.01)
    await log.start()
    await log.ensure_topics({topics.COMMANDS: 1, topics.OUTCOMES: 1})
    codec = AvroCodec(InMemorySchemaRegistry())
    await codec.start()
    bus = CommandBus(log, codec, timeout_s=5)
    await bus.start()
    yield log, codec, bus
    await bus.close()
    await log.close()


async def _outcome_logged(log: EmbeddedEventLog, codec: AvroCodec, outcome: CommandOutcome) -> None:
    key = outcome.correlation_id.encode()
    await log.append([OutgoingRecord(topic=topics.OUTCOMES, key=key, value=codec.encode_outcome(outcome))])


async def test_a_handed_commands_outcome_in_the_log_is_left_to_the_link(
    parts: tuple[EmbeddedEventLog, AvroCodec, CommandBus],
) -> None:
    log, codec, bus = parts
    taken = asyncio.Event()

    async def worker(envelopes: list[tuple[CommandEnvelope, bytes]]) -> int:
        taken.set()
        return len(envelopes)

    bus.use_hand_off(worker)
    envelope = envelope_for(
        CreatePlaylist(playlist_id="p-1", name="x"), aggregate_id="p-1", actor_id="a", command_id="c-1"
    )
    submitted = asyncio.ensure_future(bus.submit(envelope))
    await taken.wait()
    sent = outcome_for(envelope, OutcomeStatus.ACCEPTED, 1, 1, None)
    await _outcome_logged(log, codec, sent)  # the worker's commit, before its link message
    await asyncio.sleep(0.2)  # the listener is woken by the append and reads the record
    assert not submitted.done(), "the listener resolved a handed command from the log"
    bus.resolve([sent])  # the link message
    assert await submitted is sent


async def test_a_command_appended_here_is_resolved_from_the_log(
    parts: tuple[EmbeddedEventLog, AvroCodec, CommandBus],
) -> None:
    log, codec, bus = parts  # no hand-off: the bus appends, and only the listener can answer
    envelope = envelope_for(
        CreatePlaylist(playlist_id="p-2", name="x"), aggregate_id="p-2", actor_id="a", command_id="c-2"
    )
    submitted = asyncio.ensure_future(bus.submit(envelope))
    await asyncio.sleep(0.05)
    sent = outcome_for(envelope, OutcomeStatus.ACCEPTED, 1, 1, None)
    await _outcome_logged(log, codec, sent)
    got = await asyncio.wait_for(submitted, 5)
    assert got is not sent, "decoded from the log, not handed over"
    assert replace(got, decided_at=sent.decided_at) == sent
