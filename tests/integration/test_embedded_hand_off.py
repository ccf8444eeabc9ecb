"""The embedded command path's shortcuts, on a real embedded runtime (SQLite log, in-process decider).

Commands submitted together are appended in one transaction; the decider takes their envelopes from
the process's decode cache; verdicts reach the callers without the outcomes topic being polled — and
none of it changes what the log holds: every command, event and outcome is there, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from commands.bus import CommandBus
from commands.dispatch import envelope_for
from processors.decider import GROUP as DECIDER_GROUP
from processors.handed import HandedCommands
from processors.host import EmbeddedProcessors
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.domain.playlist.commands import CreatePlaylist, RenamePlaylist
from tuneton.events import topics
from tuneton.events.decoded import DecodedCommands, DecodedEvents
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, OutcomeStatus
from tuneton.peer_link import packed
from tuneton.ports import Appended, OutgoingRecord
from tuneton.process import command_bus
from tuneton.settings import Settings


@pytest.fixture
async def runtime(tmp_path: Path) -> AsyncIterator[Runtime]:
    rt = build_runtime(Settings(data_dir=tmp_path / "data"))
    await rt.start()
    yield rt
    await rt.close()


async def records_of(rt: Runtime, topic: str) -> list[bytes]:
    ends = await rt.event_log.end_offsets(topic)
    log = rt.event_log
    values: list[bytes] = []
    for partition, end in ends.items():
        values.extend(r.value or b"" for r in log.read(topic, partition, 0, end))  # type: ignore[attr-defined]
    return values


def create(n: int) -> object:
    return envelope_for(
        CreatePlaylist(playlist_id=f"p-{n}", name=f"list {n}"),
        aggregate_id=f"p-{n}",
        actor_id="ada",
        command_id=f"c-{n}",
    )


async def test_commands_submitted_together_land_in_one_append_and_are_decided_without_the_listener(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    appends: list[int] = []
    real_append = runtime.event_log.append

    async def counting(records: Sequence[OutgoingRecord]) -> list[Appended]:
        appends.append(len(records))
        return await real_append(records)

    monkeypatch.setattr(runtime.event_log, "append", counting)
    decoded = DecodedCommands()
    bus = command_bus(runtime, runtime.settings, decoded)  # not started: no outcome listener polls the log
    async with EmbeddedProcessors(runtime, decoded=decoded, on_outcomes=bus.resolve):
        outcomes = await asyncio.gather(*(bus.submit(create(n)) for n in range(20)))  # type: ignore[arg-type]
    assert {o.status for o in outcomes} == {OutcomeStatus.ACCEPTED}
    assert appends[0] == 20  # one transaction for the twenty commands
    assert len(decoded) == 0  # the decider took every envelope it was left
    assert len(await records_of(runtime, topics.COMMANDS)) == 20
    decided = [await runtime.codec.decode_outcome(v) for v in await records_of(runtime, topics.OUTCOMES)]
    assert sorted(o.command_id for o in decided) == sorted(f"c-{n}" for n in range(20))


async def test_a_command_appended_by_another_process_is_decoded_and_decided(runtime: Runtime) -> None:
    decoded = DecodedCommands()
    bus = command_bus(runtime, runtime.settings, decoded)
    async with EmbeddedProcessors(runtime, decoded=decoded, on_outcomes=bus.resolve):
        assert (await bus.submit(create(1))).status is OutcomeStatus.ACCEPTED  # type: ignore[arg-type]
        foreign = envelope_for(
            RenamePlaylist(playlist_id="p-1", name="renamed"), aggregate_id="p-1", actor_id="ada", command_id="c-x"
        )
        record = OutgoingRecord(topic=topics.COMMANDS, key=b"p-1", value=runtime.codec.encode_command(foreign))
        await runtime.event_log.append([record])  # as a second process (the CLI) would: nothing in the cache
        outcomes = await outcomes_until(runtime, "c-x")
    renamed = next(o for o in outcomes if o.command_id == "c-x")
    assert (renamed.status, renamed.aggregate_version) == (OutcomeStatus.ACCEPTED, 2)


async def outcomes_until(runtime: Runtime, command_id: str) -> list[CommandOutcome]:
    """Every outcome on the log, once one for ``command_id`` is among them."""
    async with asyncio.timeout(10):
        while True:
            outcomes = [await runtime.codec.decode_outcome(v) for v in await records_of(runtime, topics.OUTCOMES)]
            if any(o.command_id == command_id for o in outcomes):
                return outcomes
            await asyncio.sleep(0.05)


async def test_a_failed_group_append_fails_every_command_in_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tuneton.domain.errors import TuneTonError

    class LogAway(TuneTonError):
        pass

    async def refuse(records: Sequence[OutgoingRecord]) -> list[Appended]:
        raise LogAway("disk full")

    monkeypatch.setattr(runtime.event_log, "append", refuse)
    decoded = DecodedCommands()
    bus: CommandBus = command_bus(runtime, runtime.settings, decoded)
    results = await asyncio.gather(*(bus.submit(create(n)) for n in range(3)), return_exceptions=True)  # type: ignore[arg-type]
    assert [type(r).__name__ for r in results] == ["CommandNotSubmitted"] * 3
    assert len(decoded) == 0  # nothing cached for commands that never landed


# The embedded worker's path: commands handed over the link are decided from memory and appended in
# the decider's own transaction (processors/handed.py).


def handed_queue(runtime: Runtime) -> HandedCommands:
    log = runtime.event_log
    assert isinstance(log, EmbeddedEventLog)
    return HandedCommands(lambda: log.wake(frozenset({topics.COMMANDS})))


def hand(handed: HandedCommands, runtime: Runtime, envelopes: Sequence[CommandEnvelope]) -> None:
    for _, body in packed([(e, runtime.codec.encode_command(e)) for e in envelopes]):
        handed.arrived(body)


class Verdicts:
    """The outcomes the decider hands back, as the worker's link would carry them."""

    def __init__(self) -> None:
        self.seen: list[CommandOutcome] = []
        self._grew = asyncio.Event()

    def __call__(self, outcomes: Sequence[CommandOutcome]) -> None:
        self.seen.extend(outcomes)
        self._grew.set()

    async def until(self, count: int) -> list[CommandOutcome]:
        async with asyncio.timeout(10):
            while len(self.seen) < count:
                self._grew.clear()
                await self._grew.wait()
        return self.seen


async def test_handed_commands_are_appended_with_their_verdicts_in_one_transaction(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = runtime.event_log
    assert isinstance(log, EmbeddedEventLog)
    appends: list[int] = []
    transactions: list[int] = []
    real_append, real_transact = log.append, log.transact

    async def counting_append(records: Sequence[OutgoingRecord]) -> list[Appended]:
        appends.append(len(records))
        return await real_append(records)

    async def counting_transact(*args: Any, **kwargs: Any) -> list[Appended]:
        transactions.append(len(kwargs.get("consumed", ())))
        return await real_transact(*args, **kwargs)

    monkeypatch.setattr(log, "append", counting_append)
    monkeypatch.setattr(log, "transact", counting_transact)
    handed, verdicts = handed_queue(runtime), Verdicts()
    async with EmbeddedProcessors(runtime, decoded=DecodedCommands(), handed=handed, on_outcomes=verdicts):
        hand(handed, runtime, [create(n) for n in range(20)])  # type: ignore[misc]
        outcomes = await verdicts.until(20)
    assert {o.status for o in outcomes} == {OutcomeStatus.ACCEPTED}
    assert appends == []  # no command appended on its own
    assert sum(transactions) == 20
    commands = [await runtime.codec.decode_command(v) for v in await records_of(runtime, topics.COMMANDS)]
    assert sorted(c.command_id for c in commands) == sorted(f"c-{n}" for n in range(20))
    ends = await log.end_offsets(topics.COMMANDS)
    assert await log.committed(DECIDER_GROUP, topics.COMMANDS) == {p: e for p, e in ends.items() if e}
    assert len(await records_of(runtime, topics.OUTCOMES)) == 20


async def test_a_command_appended_elsewhere_meanwhile_is_decided_before_the_handed_ones(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process (the serving process itself, when the hand-off failed) appends a command to the
    partition between the decider's look at the log and its transaction: the handed batch is refused
    as a whole, appended after that command, and both are decided once each, in log order."""
    log = runtime.event_log
    assert isinstance(log, EmbeddedEventLog)
    other = EmbeddedEventLog(runtime.settings.data_dir / "events.db")  # a second process's connection
    await other.start()
    handed, verdicts = handed_queue(runtime), Verdicts()
    real_transact = log.transact
    injected: list[bool] = []

    async def racing_transact(*args: Any, **kwargs: Any) -> list[Appended]:
        if kwargs.get("consumed") and not injected:
            injected.append(True)
            await other.append([runtime.codec.command_record(rename("c-theirs", "theirs"))])
        return await real_transact(*args, **kwargs)

    try:
        async with EmbeddedProcessors(runtime, decoded=DecodedCommands(), handed=handed, on_outcomes=verdicts):
            hand(handed, runtime, [create(1)])  # type: ignore[list-item]
            await verdicts.until(1)
            monkeypatch.setattr(log, "transact", racing_transact)
            hand(handed, runtime, [rename("c-mine", "mine")])
            outcomes = await verdicts.until(3)
    finally:
        await other.close()
    by_id = {o.command_id: o for o in outcomes}
    assert len(outcomes) == 3  # each decided once
    assert (by_id["c-theirs"].aggregate_version, by_id["c-mine"].aggregate_version) == (2, 3)
    commands = [await runtime.codec.decode_command(v) for v in await records_of(runtime, topics.COMMANDS)]
    assert [c.command_id for c in commands] == ["c-1", "c-theirs", "c-mine"]  # one key: one partition


def rename(command_id: str, name: str) -> CommandEnvelope:
    return envelope_for(
        RenamePlaylist(playlist_id="p-1", name=name), aggregate_id="p-1", actor_id="ada", command_id=command_id
    )


async def test_the_deciders_event_envelopes_equal_their_records_decoded(runtime: Runtime) -> None:
    """What the projectors beside the decider take instead of decoding (``DecodedEvents``) is exactly
    what decoding the appended record gives: every playlist event type, stamped by ``envelope_for``."""
    from processors.embedded import DeciderRunner
    from tests.unit.test_codec import assert_same
    from tuneton.domain.playlist import commands as pc

    def command(n: int, body: object) -> CommandEnvelope:
        return envelope_for(body, aggregate_id="p-1", actor_id="ada", command_id=f"c-{n}")

    envelopes = [
        command(0, pc.CreatePlaylist(playlist_id="p-1", name="list")),
        command(1, pc.AddTrack(playlist_id="p-1", item_id="i-1", track_id="t-1")),
        command(2, pc.AddTrack(playlist_id="p-1", item_id="i-2", track_id="t-2")),
        command(3, pc.MoveItem(playlist_id="p-1", item_id="i-2")),
        command(4, pc.RemoveItem(playlist_id="p-1", item_id="i-1")),
        command(5, pc.RenamePlaylist(playlist_id="p-1", name="renamed")),
        command(6, pc.DescribePlaylist(playlist_id="p-1", description="about")),
        command(7, pc.SetVisibility(playlist_id="p-1", visibility=pc.Visibility.PUBLIC)),
        command(8, pc.DeletePlaylist(playlist_id="p-1")),
    ]
    log = runtime.event_log
    assert isinstance(log, EmbeddedEventLog)
    assert runtime.state is not None
    landed = await log.append([runtime.codec.command_record(e) for e in envelopes])
    by_offset = {where.offset: envelope for where, envelope in zip(landed, envelopes, strict=True)}
    events = DecodedEvents()
    decider = DeciderRunner(log, runtime.state, runtime.codec, events=events)
    await decider.process(log.read(topics.COMMANDS, landed[0].partition, 0, 100), decoded=lambda r: by_offset[r.offset])
    ((partition, end),) = ((p, e) for p, e in (await log.end_offsets(topics.PLAYLIST_EVENTS)).items() if e)
    records = log.read(topics.PLAYLIST_EVENTS, partition, 0, end)
    assert len(records) == len(envelopes) == len(events)
    for record in records:
        kept = events.get(record)
        assert kept is not None
        assert_same(kept, await runtime.codec.decode_event(record.topic, record.value))
