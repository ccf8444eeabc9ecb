"""The embedded command path's shortcuts, on a real embedded runtime (SQLite log, in-process decider).

Commands submitted together are appended in one transaction; the decider takes their envelopes from
the process's decode cache; verdicts reach the callers without the outcomes topic being polled — and
none of it changes what the log holds: every command, event and outcome is there, in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from commands.bus import CommandBus
from commands.dispatch import envelope_for
from processors.host import EmbeddedProcessors
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.domain.playlist.commands import CreatePlaylist, RenamePlaylist
from tuneton.events import topics
from tuneton.events.decoded import DecodedCommands
from tuneton.events.envelope import CommandOutcome, OutcomeStatus
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
