"""The Faust worker's consumer fetches with ``worker_fetch_max_wait_ms``, not faust-streaming's fixed 1.5 s.

processors/faust_transport.py sets the wait on aiokafka's consumer before it starts (there is no public
setting). This builds the worker's consumer the way Faust does, starts it against the real broker and
reads the wait its Fetcher was given: if a new aiokafka keeps the value elsewhere, this fails instead of
the worker quietly fetching with 1.5 s again.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from processors import faust_transport
from processors.faust_app import create_app
from tuneton.settings import Settings

pytestmark = pytest.mark.kafka


def _started_fetch_wait(settings: Settings) -> int:
    app = create_app(settings)
    assert type(app.transport) is faust_transport.Transport  # chosen by the broker URL's scheme

    async def run() -> int:
        consumer = app.consumer._thread._create_worker_consumer(app.transport)  # what Faust calls
        await consumer.start()
        try:
            return int(consumer._fetcher._fetch_max_wait_ms)  # what aiokafka fetches with
        finally:
            await consumer.stop()

    return asyncio.run(run())


def test_the_worker_fetches_with_the_configured_wait(kafka_bootstrap: str, tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path, worker_fetch_max_wait_ms=37)
    assert _started_fetch_wait(settings) == 37


def test_the_default_wait_is_short(kafka_bootstrap: str, tmp_path: Path) -> None:
    assert _started_fetch_wait(Settings(kafka_bootstrap=kafka_bootstrap, data_dir=tmp_path)) == 20
