"""Commands handed to the embedded worker over its link: the worker appends them, the verdicts come back.

A real worker process (``python -m processors embedded``), started by ``tuneton.process.running`` as
``tuneton serve`` starts it, on real SQLite files in a temporary data directory.
"""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from commands.bus import OutcomeTimeout
from tests.e2e.servers import embedded_workers
from tuneton.bootstrap import Runtime, build_runtime
from tuneton.domain.playlist.commands import CreatePlaylist
from tuneton.events import topics
from tuneton.events.envelope import CommandEnvelope, OutcomeStatus
from tuneton.grouped import Grouped
from tuneton.peer_link import MAX_MESSAGE, packed, unpacked
from tuneton.ports import Appended, OutgoingRecord
from tuneton.process import Running, running
from tuneton.settings import Settings


def create_playlist(name: str = "Handed") -> CommandEnvelope:
    playlist_id = str(uuid.uuid4())
    return CommandEnvelope(
        command_id=str(uuid.uuid4()),
        aggregate_type="playlist",
        aggregate_id=playlist_id,
        actor_id="hand-off-user",
        issued_at=datetime.now(UTC),
        correlation_id=str(uuid.uuid4()),
        command=CreatePlaylist(playlist_id=playlist_id, name=name),
    )


class AppendsHere:
    """Counts the command records the serving process appends itself (wraps its log before the bus binds it)."""

    def __init__(self, run: Runtime) -> None:
        self.commands = 0
        log = run.event_log
        original: Callable[[Sequence[OutgoingRecord]], Awaitable[list[Appended]]] = log.append

        async def counted(records: Sequence[OutgoingRecord]) -> list[Appended]:
            self.commands += sum(r.topic == topics.COMMANDS for r in records)
            return await original(records)

        log.append = counted  # type: ignore[method-assign]


@pytest.fixture
async def serving(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[tuple[Running, AppendsHere]]:
    """This process as ``tuneton serve`` in worker mode, with the settings the test asks for."""
    extra: dict[str, Any] = getattr(request, "param", {})
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True, command_timeout_s=60, **extra)
    runtime = build_runtime(settings)
    here = AppendsHere(runtime)
    async with running(settings, runtime=runtime, worker=True) as run:
        yield run, here


async def commands_in_log(run: Running) -> int:
    return sum((await run.runtime.event_log.end_offsets(topics.COMMANDS)).values())


async def test_a_handed_command_is_appended_by_the_worker_and_its_verdict_comes_back(
    serving: tuple[Running, AppendsHere],
) -> None:
    serving, here = serving
    envelopes = [create_playlist(f"p{n}") for n in range(5)]
    outcomes = await asyncio.wait_for(asyncio.gather(*(serving.bus.submit(e) for e in envelopes)), 30)
    assert [o.status for o in outcomes] == [OutcomeStatus.ACCEPTED] * 5
    assert [o.command_id for o in outcomes] == [e.command_id for e in envelopes]
    assert here.commands == 0, "the serving process wrote no command: the worker did"
    assert await commands_in_log(serving) == 5  # in the log all the same, where the decider read them


@pytest.mark.parametrize("serving", [{"embedded_hand_off": False}], indirect=True)
async def test_without_the_hand_off_the_serving_process_appends(serving: tuple[Running, AppendsHere]) -> None:
    serving, here = serving
    outcome = await asyncio.wait_for(serving.bus.submit(create_playlist()), 30)
    assert outcome.status is OutcomeStatus.ACCEPTED
    assert here.commands == 1


async def test_the_callers_of_a_worker_that_dies_learn_it_at_once(serving: tuple[Running, AppendsHere]) -> None:
    """Stopped, the worker cannot read what it is handed; killed, it never will. The caller gets the
    retryable timeout when the worker is gone, not at the 60-s deadline."""
    serving, _ = serving
    (worker,) = embedded_workers(os.getpid())
    os.kill(worker, signal.SIGSTOP)
    submitted = asyncio.ensure_future(serving.bus.submit(create_playlist()))
    await asyncio.sleep(0.5)  # handed: in the link's buffer
    assert not submitted.done()
    os.kill(worker, signal.SIGKILL)
    with pytest.raises(OutcomeTimeout):
        await asyncio.wait_for(submitted, 20)
    deadline = asyncio.get_running_loop().time() + 60
    while not serving.processors or not serving.processors.alive():  # started again by the serving process
        assert asyncio.get_running_loop().time() < deadline, "the worker was not started again"
        await asyncio.sleep(0.2)
    retried = await asyncio.wait_for(serving.bus.submit(create_playlist()), 30)
    assert retried.status is OutcomeStatus.ACCEPTED


def test_envelopes_are_packed_in_order_into_messages_that_fit() -> None:
    small = [create_playlist(f"n{n}") for n in range(400)]
    messages = list(packed(small))
    assert len(messages) > 1, "400 envelopes do not fit one message"
    assert all(len(body) < MAX_MESSAGE for _, body in messages)
    assert [e for _, body in messages for e in unpacked(body)] == small
    assert sum(count for count, _ in messages) == len(small)


def test_packing_stops_before_an_envelope_too_big_for_a_message() -> None:
    huge = create_playlist("x" * MAX_MESSAGE)
    envelopes = [create_playlist("a"), create_playlist("b"), huge, create_playlist("c")]
    assert [count for count, _ in packed(envelopes)] == [2]  # the caller appends the rest itself


async def test_the_callers_of_one_turn_share_one_flush_and_its_fate() -> None:
    flushed: list[list[int]] = []

    async def flush(items: list[int]) -> list[int]:
        flushed.append(items)
        if 13 in items:
            raise ValueError("unlucky group")
        return [n * 10 for n in items]

    grouped: Grouped[int, int] = Grouped(flush, name="test")
    assert await asyncio.gather(*(grouped.add(n) for n in (1, 2, 3))) == [10, 20, 30]
    assert await grouped.add(4) == 40
    results = await asyncio.gather(grouped.add(12), grouped.add(13), return_exceptions=True)
    assert [type(r) for r in results] == [ValueError, ValueError]
    assert flushed == [[1, 2, 3], [4], [12, 13]]
