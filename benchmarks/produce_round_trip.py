"""The broker's produce round trip, back to back and after a pause: why a quiet pipeline's hops are slow.

The decider's hop on Kafka is three round trips to the broker in a row (the command's fetch, the
snapshot's acknowledgement, the events' and outcome's acknowledgement), and the projector's is two more.
On a busy machine each is about a millisecond. On a quiet one each process sleeps between records,
and a sleeping process (and, on a VM, a halted virtual CPU) takes time to wake. This produces one
record at a time with the worker's producer settings (``acks=all``, idempotent) and awaits its
acknowledgement, first back to back, then with a pause before each, and prints the round trip's
percentiles for each spacing. The pause is the spacing of commands in the backbone benchmark's
latency phase (eight clients, about 150 commands/s, one every ~7 ms).

Usage (dev stack up: ``infra/stack up``):
    python -m benchmarks.produce_round_trip [--records 300] [--pause-ms 0 1 10]

It creates the one-partition topic ``tuneton-bench-round-trip`` and deletes it at the end. Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

import aiokafka
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from benchmarks.kafka_hops import spread
from tuneton.settings import Settings

TOPIC = "tuneton-bench-round-trip"


async def round_trips(bootstrap: str, records: int, pause_s: float) -> list[float]:
    """Milliseconds from each send to its acknowledgement, one record in flight at a time."""
    producer = aiokafka.AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await (await producer.send(TOPIC, b"warm-up"))
        taken = []
        for _ in range(records):
            if pause_s:
                await asyncio.sleep(pause_s)
            started = time.perf_counter()
            await (await producer.send(TOPIC, b"x" * 200, key=b"k"))
            taken.append((time.perf_counter() - started) * 1000)
        return taken
    finally:
        await producer.stop()


async def measure(bootstrap: str, records: int, pauses_ms: list[float]) -> dict[str, Any]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(TOPIC, 1, 1)])
        figures: dict[str, Any] = {"loadavg_at_start": os.getloadavg()[0]}
        for pause_ms in pauses_ms:
            figures[f"pause_{pause_ms:g}_ms"] = spread(await round_trips(bootstrap, records, pause_ms / 1000), digits=2)
        return figures
    finally:
        await admin.delete_topics([TOPIC])
        await admin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=300, help="records per spacing")
    parser.add_argument("--pause-ms", type=float, nargs="+", default=[0, 1, 10], help="pause before each record")
    parser.add_argument("--bootstrap", default=None, help="brokers (default: the settings' kafka_bootstrap)")
    args = parser.parse_args()
    bootstrap = args.bootstrap or Settings().kafka_bootstrap
    print(json.dumps(asyncio.run(measure(bootstrap, args.records, args.pause_ms)), indent=2))


if __name__ == "__main__":
    main()
