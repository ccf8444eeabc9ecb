"""Poison records injected into the log land in the dead-letter topic; processing goes on."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.e2e.conftest import Product
from tuneton.bootstrap import build_runtime
from tuneton.events import topics
from tuneton.events.envelope import DeadLetter
from tuneton.ports import OutgoingRecord


async def _inject_and_find_letter(product: Product, topic: str, value: bytes) -> DeadLetter:
    runtime = build_runtime(product.settings())
    await runtime.event_log.start()
    await runtime.codec.start()
    try:
        dlq = await runtime.event_log.subscribe([topics.DEADLETTER], group=None, from_beginning=False)
        key = f"poison-{uuid.uuid4()}".encode()
        [where] = await runtime.event_log.append([OutgoingRecord(topic=topic, key=key, value=value)])
        async with asyncio.timeout(60):
            while True:
                for record in await dlq.poll(wait_s=0.5):
                    letter = await runtime.codec.decode_deadletter(record.value)
                    if letter.key == key:
                        assert (letter.source_topic, letter.source_offset) == (topic, where.offset)
                        return letter
    finally:
        await runtime.event_log.close()


def _projection_still_works(product: Product) -> None:
    user = f"d-{uuid.uuid4().hex[:8]}"
    with httpx.Client(base_url=product.base, headers=product.auth(user), timeout=60) as api:
        created = api.post("/v1/playlists", json={"name": "after the poison"})
        assert created.status_code == 201, created.text
        token = created.json()["consistency_token"]
        read = api.get(f"/v1/playlists/{created.json()['aggregate_id']}", params={"consistency": token})
        assert read.status_code == 200, read.text


@pytest.mark.parametrize(
    ("topic", "value"),
    [
        (topics.PLAYLIST_EVENTS, b"\x00\x00\x00\x00\x01garbage"),  # wire header, corrupt body
        (topics.PLAYLIST_EVENTS, b"not avro at all"),
        (topics.COMMANDS, b"\x00\x7f\xff\xff\xffunknown schema id"),
    ],
)
def test_poison_goes_to_the_dead_letter_topic(product: Product, topic: str, value: bytes) -> None:
    letter = asyncio.run(_inject_and_find_letter(product, topic, value))
    assert letter.value == value
    assert letter.error_type == "UndecodableRecord"
    _projection_still_works(product)
