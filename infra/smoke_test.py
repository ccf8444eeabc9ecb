"""End-to-end smoke test of a running `infra/stack up`.

Run with the app's venv python (needs confluent-kafka[avro], aiokafka, psycopg):

    .venv/bin/python infra/smoke_test.py [kafka] [registry] [postgres]

Checks (each prints one line, exit status 1 if any fails):
  kafka     - a transactional confluent_kafka producer can init/begin/produce/commit
              (proves the transaction coordinator and __transaction_state work),
              a read_committed consumer sees the record, an aiokafka
              producer/consumer round-trip works, and so does an aiokafka
              transactional producer (what faust's exactly-once mode uses).
  registry  - confluent_kafka SchemaRegistryClient against Apicurio's ccompat API:
              register an Avro schema, fetch it by id, register a backward-compatible
              v2, reject an incompatible v3 once BACKWARD is configured.
  postgres  - psycopg connects to the tuneton database.

Test topics are created and deleted by the script (the broker has
auto.create.topics.enable=false).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
import uuid
import warnings

BOOTSTRAP = os.environ.get("TUNETON_KAFKA_BOOTSTRAP", "127.0.0.1:9092")
REGISTRY = os.environ.get("TUNETON_SCHEMA_REGISTRY_URL", "http://127.0.0.1:8085/apis/ccompat/v7")
DSN = os.environ.get("TUNETON_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:55432/tuneton")


def _create_topic(name: str) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for fut in admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)]).values():
        fut.result(timeout=30)


def _delete_topic(name: str) -> None:
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": BOOTSTRAP})
    for fut in admin.delete_topics([name]).values():
        try:
            fut.result(timeout=30)
        except Exception as exc:  # noqa: BLE001 - best-effort cleanup must not mask the result
            _say(f"note: could not delete {name}: {exc}")


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def check_kafka_transactions() -> str:
    from confluent_kafka import Consumer, Producer

    topic = f"smoke.tx.{uuid.uuid4().hex[:8]}"
    _create_topic(topic)
    try:
        producer = Producer(
            {
                "bootstrap.servers": BOOTSTRAP,
                "enable.idempotence": True,
                "transactional.id": f"smoke-{uuid.uuid4().hex[:8]}",
            }
        )
        t0 = time.monotonic()
        producer.init_transactions(30)
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"committed")
        producer.commit_transaction(30)
        # An aborted record must stay invisible to read_committed consumers.
        producer.begin_transaction()
        producer.produce(topic, key=b"k", value=b"aborted")
        producer.abort_transaction(30)
        tx_secs = time.monotonic() - t0

        consumer = Consumer(
            {
                "bootstrap.servers": BOOTSTRAP,
                "group.id": f"smoke-{uuid.uuid4().hex[:8]}",
                "auto.offset.reset": "earliest",
                "isolation.level": "read_committed",
            }
        )
        consumer.subscribe([topic])
        values: list[bytes | None] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not values:
            msg = consumer.poll(1.0)
            if msg is not None and msg.error() is None:
                values.append(msg.value())
        # Drain briefly to make sure the aborted record does not show up.
        end = time.monotonic() + 2
        while time.monotonic() < end:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                values.append(msg.value())
        consumer.close()
        if values != [b"committed"]:
            raise AssertionError(f"read_committed saw {values!r}")
        return f"transaction init+commit+abort in {tx_secs:.2f}s, read_committed saw only the committed record"
    finally:
        _delete_topic(topic)


async def _aiokafka_roundtrip(topic: str) -> str:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello-aiokafka", key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"smoke-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        msg = await asyncio.wait_for(consumer.getone(), timeout=30)
        await consumer.commit()
    finally:
        await consumer.stop()
    if msg.value != b"hello-aiokafka":
        raise AssertionError(f"aiokafka got {msg.value!r}")
    return "aiokafka idempotent produce + group consume + commit ok"


async def _aiokafka_transaction(topic: str) -> str:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=f"smoke-aio-{uuid.uuid4().hex[:8]}")
    await producer.start()
    try:
        async with producer.transaction():
            await producer.send_and_wait(topic, b"aio-committed", key=b"k")
        await producer.begin_transaction()
        await producer.send_and_wait(topic, b"aio-aborted", key=b"k")
        await producer.abort_transaction()
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BOOTSTRAP,
        group_id=f"smoke-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await consumer.start()
    try:
        batch = await consumer.getmany(timeout_ms=5000)
        values = [m.value for msgs in batch.values() for m in msgs]
    finally:
        await consumer.stop()
    if values != [b"aio-committed"]:
        raise AssertionError(f"aiokafka read_committed saw {values!r}")
    return "aiokafka transactional producer commit+abort, read_committed consumer ok"


def check_kafka_aiokafka_transactions() -> str:
    topic = f"smoke.aiotx.{uuid.uuid4().hex[:8]}"
    _create_topic(topic)
    try:
        return asyncio.run(_aiokafka_transaction(topic))
    finally:
        _delete_topic(topic)


def check_kafka_aiokafka() -> str:
    topic = f"smoke.aio.{uuid.uuid4().hex[:8]}"
    _create_topic(topic)
    try:
        return asyncio.run(_aiokafka_roundtrip(topic))
    finally:
        _delete_topic(topic)


def check_registry() -> str:
    # The import pulls in authlib, which force-enables and prints its own
    # deprecation warning about httpx; record (i.e. swallow) it: noise only.
    with warnings.catch_warnings(record=True):
        from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
        from confluent_kafka.schema_registry.error import SchemaRegistryError

    client = SchemaRegistryClient({"url": REGISTRY})
    subject = os.environ.get("SMOKE_SUBJECT", "t-value")
    for permanent in (False, True):  # leftovers of an interrupted run
        with contextlib.suppress(SchemaRegistryError):
            client.delete_subject(subject, permanent=permanent)
    fields: list[dict[str, object]] = [{"name": "id", "type": "string"}]
    v1: dict[str, object] = {
        "type": "record",
        "name": "T",
        "namespace": "tuneton.smoke",
        "fields": fields,
    }
    # v2 adds a field with a default: backward compatible.
    v2 = dict(v1, fields=[*fields, {"name": "n", "type": "int", "default": 0}])
    # v3 adds a field without a default: NOT backward compatible.
    v3 = dict(v1, fields=[*fields, {"name": "m", "type": "int"}])

    id1 = client.register_schema(subject, Schema(json.dumps(v1), "AVRO"))
    fetched = client.get_schema(id1)
    if json.loads(fetched.schema_str or "null") != v1:
        raise AssertionError(f"fetched schema differs: {fetched.schema_str}")
    # Re-registering the same schema must be idempotent (same id).
    id1b = client.register_schema(subject, Schema(json.dumps(v1), "AVRO"))
    if id1b != id1:
        raise AssertionError(f"re-register gave id {id1b}, expected {id1}")
    id2 = client.register_schema(subject, Schema(json.dumps(v2), "AVRO"))
    if id2 == id1:
        raise AssertionError("v2 got the same id as v1")
    versions = client.get_versions(subject)
    latest = client.get_latest_version(subject)
    compat = client.get_compatibility()
    try:
        client.register_schema(subject, Schema(json.dumps(v3), "AVRO"))
        v3_result = "ACCEPTED"
    except SchemaRegistryError as exc:
        v3_result = f"rejected (HTTP {exc.http_status_code}, code {exc.error_code})"
    # Soft then hard delete, so a rerun starts from version 1 again.
    client.delete_subject(subject)
    client.delete_subject(subject, permanent=True)
    # infra/registry/start.sh sets Apicurio's global rule to BACKWARD (its own
    # default is NONE); Confluent-like behaviour is what the app relies on.
    if v3_result == "ACCEPTED":
        raise AssertionError(f"global compatibility {compat}: incompatible v3 was accepted")
    return (
        f"subject {subject}: v1 id={id1}, v2 id={id2}, versions={versions}, latest v{latest.version}; "
        f"global compatibility={compat}; incompatible v3 {v3_result}"
    )


def check_postgres() -> str:
    import psycopg

    with psycopg.connect(DSN, connect_timeout=5) as conn:
        row = conn.execute("select version(), current_database()").fetchone()
    if row is None:
        raise AssertionError("no row from select")
    version, db = row
    return f"{db}: {version.split(',')[0]}"


CHECKS = {
    "kafka": [
        ("kafka transactions", check_kafka_transactions),
        ("kafka aiokafka", check_kafka_aiokafka),
        ("kafka aiokafka transactions", check_kafka_aiokafka_transactions),
    ],
    "registry": [("registry ccompat", check_registry)],
    "postgres": [("postgres", check_postgres)],
}


def main(argv: list[str]) -> int:
    wanted = argv or list(CHECKS)
    failed = 0
    for group in wanted:
        for name, fn in CHECKS[group]:
            try:
                _say(f"OK   {name}: {fn()}")
            except Exception as exc:  # noqa: BLE001 - report every check, then fail
                failed += 1
                _say(f"FAIL {name}: {type(exc).__name__}: {exc}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
