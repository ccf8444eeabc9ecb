"""Faust's aiokafka transport, with how long the broker may hold the worker's fetches ours to choose.

faust-streaming 0.15.3 builds the worker's ``AIOKafkaConsumer`` with ``fetch_max_wait_ms=1500`` and no
setting to change it. aiokafka leaves out of a fetch request every partition whose fetched records
the worker has not consumed yet, and the broker holds that request until one of the partitions it
*does* name has data, for up to that wait. Under load the partitions with commands in them were
often the ones left out, so their next commands sat in the broker until a quiet partition's fetch
timed out: with 128 connections on the Kafka backbone benchmark the decider took batches of four
commands while clients waited half a second, 134 to 150 commands/s with the machine half idle and a p99
of 1.7 s (≈ the 1.5-s wait). With a 20-ms wait: 379 to 436 commands/s, p99 416 to 488 ms (BENCHMARKS.md,
"Backbone", eleventh session).

The short wait is needed only while the fetch leaves a partition out. A fetch that names every
partition its broker leads for the worker may wait long: the broker answers it as soon as any of them
has a record, so waiting costs no latency, only idle polls saved. With the short wait for every
fetch, an idle worker sent a fetch every 20 ms: 14.5-16.1 % of a core in the worker and 6.6-7.8 % in
the broker with nothing to do, against 8.3-8.6 % and 1.6-2.0 % with this fetcher
(benchmarks/idle_worker.py; BENCHMARKS.md, eighteenth session). So the fetcher (``_WorkerFetcher``) gives a
fetch that holds nothing back ``worker_idle_fetch_max_wait_ms`` (500 ms, Kafka's own default) and
keeps the short wait for one that leaves a partition out (records not yet consumed, a paused
partition, a position being reset).

Selected by the broker URL's scheme (``SCHEME``), which ``register`` adds to Faust's transport
registry; the wait comes from the app (``FETCH_WAIT_ATTRIBUTE``, set by ``processors/faust_app.py``), and
an app that sets none keeps Faust's.
"""

from __future__ import annotations

import time
from typing import Any

import aiokafka
from aiokafka.consumer.fetcher import Fetcher
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as driver

SCHEME = "tuneton-kafka"
FETCH_WAIT_ATTRIBUTE = "tuneton_fetch_max_wait_ms"
IDLE_FETCH_WAIT_ATTRIBUTE = "tuneton_idle_fetch_max_wait_ms"


def fetch_wait_ms(requested: int, expected: int, *, busy_ms: int, idle_ms: int) -> int:
    """The wait for a fetch naming ``requested`` partitions of a broker's ``expected`` ones (those the
    worker is assigned there, less the ones it has stopped reading): long only when it leaves none out,
    since the broker then answers as soon as any of them has a record."""
    return idle_ms if requested >= expected else busy_ms


class _WorkerFetcher(Fetcher):  # type: ignore[misc]  # aiokafka is untyped
    """aiokafka's fetcher, whose fetches that leave no partition out wait ``idle_fetch_max_wait_ms``.

    A partition whose fetched records have waited longer than that wait is not counted as left out:
    the worker has stopped reading it. Faust assigns the worker its tables' changelog partitions but,
    once their state is recovered, never takes their records; the first snapshot written after that
    stays in the fetcher for good, and would otherwise keep every fetch short. A partition that was
    merely slow to be read is no worse off than one wait more than it has waited already.
    """

    idle_fetch_max_wait_ms: int

    def _get_actions_per_node(self, assignment: Any) -> Any:
        actions = super()._get_actions_per_node(assignment)
        if not actions[0]:
            return actions
        stopped_before = time.monotonic() - self.idle_fetch_max_wait_ms / 1000
        expected: dict[int, int] = {}
        for tp in assignment.tps:
            held = self._records.get(tp)
            if held is None or held._created > stopped_before:  # when aiokafka fetched them
                node = self._select_read_replica(tp)  # the broker the fetcher reads tp from
                expected[node] = expected.get(node, 0) + 1
        for node_id, request in actions[0]:
            requested = sum(len(partitions) for _, partitions in request.topics)
            # FetchRequest keeps the wait here until it is built for the wire
            request._max_wait_ms = fetch_wait_ms(
                requested,
                expected.get(node_id, 0),
                busy_ms=self._fetch_max_wait_ms,
                idle_ms=self.idle_fetch_max_wait_ms,
            )
        return actions


class _WorkerConsumer(aiokafka.AIOKafkaConsumer):  # type: ignore[misc]  # aiokafka is untyped
    """aiokafka's consumer whose fetcher is ``_WorkerFetcher``."""

    idle_fetch_max_wait_ms: int

    async def start(self) -> None:
        await super().start()
        # start() builds the Fetcher by name, with no hook; it sends nothing before an assignment, which
        # only the group join or assign() after start() gives, so every fetch it builds is ours.
        self._fetcher.__class__ = _WorkerFetcher
        self._fetcher.idle_fetch_max_wait_ms = self.idle_fetch_max_wait_ms


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        wait = getattr(self.app, FETCH_WAIT_ATTRIBUTE, None)
        if wait is not None:
            # aiokafka keeps the constructor's value here and hands it to its Fetcher in start(); there
            # is no public setter. aiokafka is pinned, and tests/integration/test_faust_fetch_wait.py
            # reads the started Fetcher's values, so a rename fails a test rather than restoring 1.5 s.
            consumer._fetch_max_wait_ms = int(wait)
            consumer.__class__ = _WorkerConsumer  # Faust builds the consumer itself: adds only start()
            consumer.idle_fetch_max_wait_ms = int(getattr(self.app, IDLE_FETCH_WAIT_ATTRIBUTE, wait))
        return consumer


class _Consumer(driver.Consumer):
    def _new_consumer_thread(self) -> driver.AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)


class Transport(driver.Transport):
    """aiokafka's Faust transport whose worker consumer fetches with the app's wait."""

    Consumer = _Consumer


def register() -> None:
    """Make ``SCHEME://host:port`` brokers use ``Transport`` (Faust resolves a broker URL by its scheme)."""
    TRANSPORTS.aliases[SCHEME] = f"{__name__}:Transport"
