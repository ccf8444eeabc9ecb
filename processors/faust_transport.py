"""Faust's aiokafka transport, with how long the broker may hold the worker's fetches ours to choose.

faust-streaming 0.15.3 builds the worker's ``AIOKafkaConsumer`` with ``fetch_max_wait_ms=1500`` and no
setting to change it. aiokafka leaves out of a fetch request every partition whose fetched records
the worker has not consumed yet, and the broker holds that request until one of the partitions it
*does* name has data, for up to that wait. Under load the partitions with commands in them were
often the ones left out, so their next commands sat in the broker until a quiet partition's fetch
timed out: with 128 connections on the Kafka backbone benchmark the decider took batches of four
commands while clients waited half a second, 134 to 150 commands/s with the machine half idle and a p99
of 1.7 s (≈ the 1.5-s wait). With a 20-ms wait: 379 to 436 commands/s, p99 416 to 488 ms (BENCHMARKS.md,
"Backbone", eleventh session). An idle worker pays for it with a fetch per broker every 20 ms.

Selected by the broker URL's scheme (``SCHEME``), which ``register`` adds to Faust's transport
registry; the wait comes from the app (``FETCH_WAIT_ATTRIBUTE``, set by ``processors/faust_app.py``), and
an app that sets none keeps Faust's.
"""

from __future__ import annotations

from typing import Any

import aiokafka
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as driver

SCHEME = "tuneton-kafka"
FETCH_WAIT_ATTRIBUTE = "tuneton_fetch_max_wait_ms"


class _ConsumerThread(driver.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> aiokafka.AIOKafkaConsumer:
        consumer = super()._create_worker_consumer(transport)
        wait = getattr(self.app, FETCH_WAIT_ATTRIBUTE, None)
        if wait is not None:
            # aiokafka keeps the constructor's value here and hands it to its Fetcher in start(); there
            # is no public setter. aiokafka is pinned, and tests/integration/test_faust_fetch_wait.py
            # reads the started Fetcher's value, so a rename fails a test rather than restoring 1.5 s.
            consumer._fetch_max_wait_ms = int(wait)
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
