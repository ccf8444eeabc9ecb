"""Submit a command to ``tuneton.commands`` and wait for its outcome on ``tuneton.command.outcomes``.

The HTTP edge is not the writer: the decider is. This bus only appends the command (keyed by aggregate
id, so the aggregate's partition orders it) and resolves a future when the outcome with the same
correlation id comes back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.envelope import CommandEnvelope, CommandOutcome
from tuneton.observability import metrics
from tuneton.ports import EventLog, OutgoingRecord, Subscription

log = logging.getLogger(__name__)


class OutcomeTimeout(TimeoutError):
    """The decider did not answer in time; the command may still be applied (retry with the same id)."""


class CommandBus:
    """Appends commands and awaits their outcomes."""

    def __init__(self, event_log: EventLog, codec: AvroCodec, *, timeout_s: float) -> None:
        self._log = event_log
        self._codec = codec
        self._timeout_s = timeout_s
        self._waiting: dict[str, asyncio.Future[CommandOutcome]] = {}
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start listening for outcomes (from the end of the topic)."""
        self._subscription = await self._log.subscribe([topics.OUTCOMES], group=None, from_beginning=False)
        self._task = asyncio.create_task(self._listen(self._subscription), name="outcome-listener")

    async def close(self) -> None:
        """Stop listening; waiting callers get a timeout."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._subscription is not None:
            await self._subscription.close()

    async def submit(self, envelope: CommandEnvelope) -> CommandOutcome:
        """Append ``envelope`` and return the decider's outcome, or raise ``OutcomeTimeout``."""
        future: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._waiting[envelope.correlation_id] = future
        started = time.perf_counter()
        try:
            record = OutgoingRecord(
                topic=topics.COMMANDS,
                key=envelope.aggregate_id.encode(),
                value=self._codec.encode_command(envelope),
                headers=(("command_type", type(envelope.command).__name__.encode()),),
            )
            await self._log.append([record])
            try:
                outcome = await asyncio.wait_for(future, self._timeout_s)
            except TimeoutError:
                raise OutcomeTimeout(envelope.command_id) from None
        finally:
            self._waiting.pop(envelope.correlation_id, None)
        metrics.COMMAND_LATENCY.labels(type(envelope.command).__name__, outcome.status.value).observe(
            time.perf_counter() - started
        )
        return outcome

    async def _listen(self, subscription: Subscription) -> None:
        while True:
            try:
                records = await subscription.poll(max_records=500, wait_s=0.5)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outcome listener failed to poll; retrying")
                await asyncio.sleep(0.5)
                continue
            for record in records:
                future = self._waiting.get(record.key.decode() if record.key else "")
                if future is None or future.done():
                    continue
                try:
                    future.set_result(await self._codec.decode_outcome(record.value))
                except Exception as error:  # noqa: BLE001 - a bad outcome fails its one caller only
                    future.set_exception(error)
