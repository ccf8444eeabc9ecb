"""The embedded worker's link and hand-offs: two processes on one set of embedded files.

The link is a real socket pair, the log and the read store real SQLite files opened twice (as the
serving process and its worker do); the end-to-end suite runs the product itself in worker mode.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from processors.embedded_worker import ProcessorsBusy, processors_lock
from tuneton import cli
from tuneton.adapters.embedded.log import EmbeddedEventLog
from tuneton.adapters.sql.applied import notify_payload
from tuneton.bootstrap import Runtime, build_runtime, link_embedded
from tuneton.events import topics
from tuneton.peer_link import APPLIED, LOG_APPENDED, PeerLink
from tuneton.ports import Checkpoint, OutgoingRecord
from tuneton.settings import Settings


async def test_signals_arrive_in_order_and_end_of_file_says_the_other_side_is_gone() -> None:
    here, theirs = PeerLink.pair()
    there = PeerLink.from_fd(theirs.detach())
    got: list[tuple[bytes, bytes]] = []
    arrived = asyncio.Event()

    def take(kind: bytes) -> None:
        def handle(body: bytes) -> None:
            got.append((kind, body))
            if len(got) == 3:
                arrived.set()

        there.on(kind, handle)

    take(LOG_APPENDED)
    take(APPLIED)
    there.start()
    here.topics_appended({"b", "a"})
    here.send(APPLIED, notify_payload("playlists", {"p1"}).encode())
    here.send(b"?", b"an unknown kind is ignored")
    here.topics_appended({"c"})
    await asyncio.wait_for(arrived.wait(), 5)
    assert got == [(LOG_APPENDED, b"a\nb"), (APPLIED, b"playlists\np1"), (LOG_APPENDED, b"c")]
    here.close()
    await asyncio.wait_for(there.closed(), 5)
    there.send(LOG_APPENDED, b"x")  # to a closed peer: dropped, no error
    there.close()


@pytest.fixture
async def two_processes(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """The serving process's runtime and the worker's, on one data directory, linked."""
    settings = Settings(data_dir=tmp_path / "data", dev_mode=True)
    edge, worker = build_runtime(settings), build_runtime(settings)
    async with edge, worker:
        mine, theirs = PeerLink.pair()
        other = PeerLink.from_fd(theirs.detach())
        link_embedded(edge, mine)
        link_embedded(worker, other)
        mine.start()
        other.start()
        yield edge, worker
        mine.close()
        other.close()


async def test_an_append_in_one_process_wakes_a_consumer_in_the_other(two_processes: tuple[Runtime, Runtime]) -> None:
    """Without the link the consumer would find the record only at its next poll of the file; with
    that poll a minute away, getting it within seconds means the link delivered the wake-up."""
    edge, worker = two_processes
    assert isinstance(worker.event_log, EmbeddedEventLog)
    worker.event_log._poll_interval_s = 60  # the fallback poll out of the way
    subscription = await worker.event_log.subscribe([topics.COMMANDS], group=None, from_beginning=False)
    polling = asyncio.create_task(subscription.poll(max_records=10, wait_s=60))
    await asyncio.sleep(0.05)
    await edge.event_log.append([OutgoingRecord(topic=topics.COMMANDS, key=b"k", value=b"v", headers=())])
    records = await asyncio.wait_for(polling, 10)
    assert [r.value for r in records] == [b"v"]


async def test_a_projection_commit_in_the_worker_wakes_a_reader_waiting_in_the_edge(
    two_processes: tuple[Runtime, Runtime],
) -> None:
    edge, worker = two_processes
    with edge.read_store.watch("playlists", "p1") as committed, edge.read_store.watch("playlists", "p2") as other:
        assert committed is not None
        assert other is not None
        checkpoint = Checkpoint(
            projection="playlists", topic=topics.PLAYLIST_EVENTS, partition=0, offset=0, aggregate_id="p1",
            aggregate_version=1,
        )
        await worker.read_store.apply([((), checkpoint)])
        await asyncio.wait_for(committed.wait(), 5)
        assert not other.is_set(), "only the aggregate the commit named is woken"
        assert await edge.read_store.aggregate_version("playlists", "p1") == 1


def test_a_second_decider_on_one_data_directory_is_refused(tmp_path: Path) -> None:
    with processors_lock(tmp_path), pytest.raises(ProcessorsBusy), processors_lock(tmp_path):
        pass
    with processors_lock(tmp_path):  # released with its holder
        pass


def test_a_local_import_beside_a_running_server_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``tuneton import`` without ``--api`` runs the processors itself; beside a server's worker (here:
    its lock held) that would be a second decider on the same log, so it stops with a clear error."""
    data, folder = tmp_path / "data", tmp_path / "music"
    folder.mkdir()
    with processors_lock(data):
        assert cli.main(["--data-dir", str(data), "import", str(folder)]) == 2
    assert "another process runs the processors" in capsys.readouterr().err
