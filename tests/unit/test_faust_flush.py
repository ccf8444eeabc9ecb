"""Pins the faust-streaming behaviour that made ``app.producer.flush()`` no proof of a durable snapshot.

``ProducerBuffer.flush`` (faust-streaming 0.15.3) returns as soon as its queue is empty or has not
moved for 0.1 s: a changelog record taken off the queue but not yet handed to the Kafka client (the
client waiting for metadata, a broker away) is "flushed" without being sent. The decider therefore
awaits each record's own future (``processors/acknowledged_table.py``; since the twentieth session its
records do not pass through this buffer at all, but the flush is still no proof for anything that
does). If a faust upgrade makes this test fail, the flush may have become a proof; the decider's wait
stays correct either way.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust
from faust.transport.producer import ProducerBuffer
from faust.types.tuples import FutureMessage, PendingMessage


class _StalledChannel:
    """A topic whose publish never completes, as while the client waits for a broker."""

    def __init__(self) -> None:
        self.publishing = asyncio.Event()

    async def publish_message(self, fut: FutureMessage, wait: bool = False) -> Any:
        self.publishing.set()
        await asyncio.Event().wait()


async def test_the_producer_buffer_flush_returns_before_the_record_is_sent() -> None:
    buffer = ProducerBuffer(loop=asyncio.get_running_loop())
    buffer.app = faust.App("flush-proof", broker="kafka://127.0.0.1:1", store="memory://")
    channel = _StalledChannel()
    message = FutureMessage(
        PendingMessage(channel, b"aggregate", b"snapshot", 0, None, None, "raw", "raw", None)  # type: ignore[arg-type]
    )
    await buffer.start()
    try:
        buffer.put(message)
        await asyncio.wait_for(channel.publishing.wait(), 5)
        await asyncio.wait_for(buffer.flush(), 5)  # returns: nothing left in the queue
        assert not message.done(), "flushed, yet the record was never sent"
    finally:
        await buffer.stop()
