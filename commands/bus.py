"""Submit a command to ``tuneton.commands`` and wait for its outcome on ``tuneton.command.outcomes``.

The HTTP edge is not the writer: the decider is. This bus only appends the command (keyed by aggregate
id, so the aggregate's partition orders it) and resolves a future when the outcome with the same
correlation id comes back.

In the embedded runtime, shortcuts apply, and each keeps the log the path every command takes to the
decider. Commands submitted in the same event-loop turn are appended in one call (one SQLite
transaction: a group commit). With the decider in this process, the envelopes are left in a
:class:`DecodedCommands` cache so the decider need not decode what this process just encoded, and the
decider hands its outcomes straight to :meth:`CommandBus.resolve` instead of this bus polling and
decoding the outcomes topic (the listener stays, for outcomes decided elsewhere). With the decider in
the embedded worker process, the bus *hands* a turn's envelopes to the worker (:meth:`use_hand_off`),
which appends them to the log itself, in one transaction, and sends the outcomes back the same way:
the serving process then neither writes nor reads back a command (with the encoding, it was a quarter
of its CPU per command; it still encodes them, for the worker is the busier process), and its
listener passes over the outcomes of handed commands instead of decoding them a second time. A
command the worker cannot take (not running, restarting) is appended here.

One deadline covers the whole command, the append included: with the broker away an append can
wait for metadata and retries far longer than a client should (issue 8 measured 16 s for a 201 and
30 s for a 500 with a 10-s timeout, the timer starting after the append; docs/faults.md). Either
way the caller may retry with the same command id: the decider answers a repeated command with the
outcome it remembers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from tuneton.domain.errors import TuneTonError
from tuneton.events import topics
from tuneton.events.codec import AvroCodec
from tuneton.events.decoded import DecodedCommands
from tuneton.events.envelope import CommandEnvelope, CommandOutcome
from tuneton.grouped import Grouped
from tuneton.observability import metrics
from tuneton.ports import EventLog, OutgoingRecord, Subscription

log = logging.getLogger(__name__)

# Hands envelopes to the embedded worker's decider; returns how many of them, from the first, it took.
HandOff = Callable[[list[tuple[CommandEnvelope, bytes]]], Awaitable[int]]  # each with its encoded record value


class OutcomeTimeout(TimeoutError):
    """The decider did not answer in time; the command may still be applied (retry with the same id)."""


class CommandNotSubmitted(TuneTonError):
    """The log did not take the command in time, or refused it (broker trouble); retry with the same id.

    The command may still land (a record queued before the deadline can be delivered later); a retry
    with the same id then gets the outcome of the one that was decided.
    """

    def __init__(self, command_id: str, cause: str) -> None:
        super().__init__(f"command {command_id} not submitted: {cause}")
        self.command_id = command_id


class CommandBus:
    """Appends commands and awaits their outcomes."""

    def __init__(
        self,
        event_log: EventLog,
        codec: AvroCodec,
        *,
        timeout_s: float,
        group_appends: bool = False,
        decoded: DecodedCommands | None = None,
    ) -> None:
        self._log = event_log
        self._codec = codec
        self._timeout_s = timeout_s
        self._waiting: dict[str, asyncio.Future[CommandOutcome]] = {}
        self._subscription: Subscription | None = None
        self._task: asyncio.Task[None] | None = None
        self._appender = Grouped(event_log.append, name="command-group-append") if group_appends else None
        self._decoded = decoded
        self._hand_off: Grouped[CommandEnvelope, bool] | None = None
        self._handed: dict[str, str] = {}  # correlation id → command id, of commands handed to the worker

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
        """Append ``envelope`` and return the decider's outcome, all within the timeout.

        Raises ``CommandNotSubmitted`` when the append failed or did not finish in time, and
        ``OutcomeTimeout`` when it was appended but no verdict came in time.
        """
        future: asyncio.Future[CommandOutcome] = asyncio.get_running_loop().create_future()
        self._waiting[envelope.correlation_id] = future
        started = time.perf_counter()
        appended = False  # or handed to the worker, which appends it: either way it may be decided
        try:
            async with asyncio.timeout(self._timeout_s):
                if not await self._handed_over(envelope):
                    await self._append(envelope, self._codec.command_record(envelope))
                appended = True
                outcome = await future
        except TimeoutError:
            if not appended:
                raise CommandNotSubmitted(envelope.command_id, "the log did not acknowledge it in time") from None
            raise OutcomeTimeout(envelope.command_id) from None
        finally:
            self._waiting.pop(envelope.correlation_id, None)
            self._handed.pop(envelope.correlation_id, None)
        metrics.COMMAND_LATENCY.labels(type(envelope.command).__name__, outcome.status.value).observe(
            time.perf_counter() - started
        )
        return outcome

    def resolve(self, outcomes: Sequence[CommandOutcome]) -> None:
        """Outcomes decided in this process, handed over directly (embedded runtime)."""
        for outcome in outcomes:
            future = self._waiting.get(outcome.correlation_id)
            if future is not None and not future.done():
                future.set_result(outcome)

    def use_hand_off(self, hand_off: HandOff | None) -> None:
        """Hand envelopes to the embedded worker through ``hand_off`` (``None``: append them here)."""

        async def flush(envelopes: list[CommandEnvelope]) -> list[bool]:
            # Encoded here, not in the worker: the worker decides and projects, and is the busier process.
            encoded = [(envelope, self._codec.encode_command(envelope)) for envelope in envelopes]
            taken = await hand_off(encoded) if hand_off is not None else 0
            return [n < taken for n in range(len(envelopes))]

        self._hand_off = None if hand_off is None else Grouped(flush, name="command-hand-off")

    def abandon_handed(self) -> None:
        """The worker that was handed commands is gone: their callers learn it now, not at the deadline.

        Each may have been appended, even decided, before the worker died, so each caller gets
        :class:`OutcomeTimeout` (retry with the same key: a decided command answers with its outcome).
        """
        for correlation_id, command_id in list(self._handed.items()):
            future = self._waiting.get(correlation_id)
            if future is not None and not future.done():
                future.set_exception(OutcomeTimeout(command_id))
        self._handed.clear()

    async def _handed_over(self, envelope: CommandEnvelope) -> bool:
        if self._hand_off is None:
            return False
        self._handed[envelope.correlation_id] = envelope.command_id  # before: the outcome may come at once
        if await self._hand_off.add(envelope):
            return True
        del self._handed[envelope.correlation_id]
        return False

    async def _append(self, envelope: CommandEnvelope, record: OutgoingRecord) -> None:
        started = time.perf_counter()
        try:
            if self._appender is not None:
                where = await self._appender.add(record)
            else:
                where = (await self._log.append([record]))[0]
        except TuneTonError as error:  # the adapter's own errors: the cluster misbehaved
            log.warning("command %s not appended: %s", envelope.command_id, error)
            raise CommandNotSubmitted(envelope.command_id, str(error)) from error
        metrics.COMMAND_APPEND.observe(time.perf_counter() - started)
        if self._decoded is not None:
            self._decoded.put(where, envelope)

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
                correlation_id = record.key.decode() if record.key else ""
                if correlation_id in self._handed:  # its verdict comes over the worker's link (or abandon_handed)
                    continue
                future = self._waiting.get(correlation_id)
                if future is None or future.done():
                    continue
                try:
                    future.set_result(await self._codec.decode_outcome(record.value))
                except Exception as error:  # noqa: BLE001 - a bad outcome fails its one caller only
                    future.set_exception(error)
