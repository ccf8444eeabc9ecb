"""A registry restart mid-flight: every schema id survives (PostgreSQL storage), clients heal by themselves.

Before, Apicurio kept schemas in memory: after a restart every record already in Kafka pointed at ids
the registry no longer knew, and a decode that hit the restart window turned a good record into a dead
letter. This runs a PRIVATE registry and PostgreSQL (own ports, own state dir; the suite's servers are
never touched) with ``infra/registry/start.sh``, restarts the registry while a client waits on it, and
checks that no process needs restarting.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.servers import free_port
from tuneton.adapters.kafka.registry import ConfluentSchemaRegistry
from tuneton.domain.playlist import events as pe
from tuneton.domain.playlist.commands import Visibility
from tuneton.events import topics
from tuneton.events.codec import AvroCodec, load_schema_text
from tuneton.events.envelope import EventEnvelope

REPO_ROOT = Path(__file__).resolve().parents[2]
# Two registry starts: ~10 s each on an idle machine, but 80 s were measured here at load average 40+.
pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class PrivateRegistry:
    """The scripts' environment for a registry of this test only."""

    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['TUNETON_REGISTRY_PORT']}/apis/ccompat/v7"

    def run(self, script: str) -> None:
        done = subprocess.run(
            ["bash", str(REPO_ROOT / script)], env=self.env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, done.stderr[-3000:]


@pytest.fixture(scope="module")
def private_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRegistry]:
    state = tmp_path_factory.mktemp("registry-stack")
    state.chmod(0o755)  # postgres runs as its own user below it
    # Free ports, not fixed ones: other checkouts on this machine run private stacks too.
    names = ("TUNETON_PG_PORT", "TUNETON_REGISTRY_PORT", "TUNETON_REGISTRY_MGMT_PORT")
    ports = {name: str(free_port()) for name in names}
    registry = PrivateRegistry({**os.environ, "TUNETON_STACK_DIR": str(state), **ports})
    try:
        registry.run("infra/registry/start.sh")  # starts its PostgreSQL first
        yield registry
    finally:
        registry.run("infra/registry/stop.sh")
        registry.run("infra/postgres/stop.sh")
        cluster = state / "postgres"
        if cluster.is_symlink():  # as root under a mode-700 tmp dir the cluster lives in /var/lib/tuneton
            shutil.rmtree(cluster.resolve(), ignore_errors=True)


def event(version: int) -> EventEnvelope:
    return EventEnvelope(
        event_id=f"e{version}",
        aggregate_type="playlist",
        aggregate_id="p-restart",
        aggregate_version=version,
        occurred_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        actor_id="42",
        correlation_id="c",
        causation_id="c",
        event=pe.PlaylistCreated(owner_id="42", name=f"v{version}", description="", visibility=Visibility.PRIVATE),
    )


def header_id(data: bytes) -> int:
    return int.from_bytes(data[1:5], "big")


async def started_codec(url: str) -> AvroCodec:
    codec = AvroCodec(ConfluentSchemaRegistry(url, timeout_s=30))  # patient: this machine is often busy
    await codec.start()
    return codec


async def test_a_registry_restart_keeps_history_decodable_without_restarting_clients(
    private_registry: PrivateRegistry,
) -> None:
    producer = await started_codec(private_registry.url)  # a long-running process, started before the restart
    old = [producer.encode_event(event(v)) for v in (1, 2)]
    # A newer release wrote with a schema this consumer has not seen: decoding needs the registry.
    newer = json.loads(load_schema_text(topics.PLAYLIST_EVENTS))
    newer["fields"].append({"name": "trace_id", "type": ["null", "string"], "default": None})
    newer_id = await ConfluentSchemaRegistry(private_registry.url).register(
        f"{topics.PLAYLIST_EVENTS}-value", json.dumps(newer)
    )
    unseen = bytes([0]) + newer_id.to_bytes(4, "big") + old[0][5:] + b"\x00"  # trace_id = null
    consumer = await started_codec(private_registry.url)

    await asyncio.to_thread(private_registry.run, "infra/registry/stop.sh")
    waiting = asyncio.create_task(consumer.decode_event(topics.PLAYLIST_EVENTS, unseen))
    await asyncio.sleep(1)
    assert not waiting.done(), "a decode during the outage must wait for the registry, not fail"
    await asyncio.to_thread(private_registry.run, "infra/registry/start.sh")

    assert (await asyncio.wait_for(waiting, 60)).aggregate_version == 1
    new = producer.encode_event(event(3))  # same process, same cached id, still valid
    assert header_id(new) == header_id(old[0])
    late = await started_codec(private_registry.url)  # a process started after the restart gets the same ids
    assert header_id(late.encode_event(event(4))) == header_id(old[0])
    decoded = [await late.decode_event(topics.PLAYLIST_EVENTS, data) for data in [*old, new]]
    assert [e.aggregate_version for e in decoded] == [1, 2, 3]
    assert (await late.decode_event(topics.PLAYLIST_EVENTS, unseen)).event == event(1).event
