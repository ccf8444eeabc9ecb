"""The product on a private stack, for tests that stop its servers (marker ``fault``).

One stack and one product (``tuneton serve`` + the Faust worker) per session: the servers take most
of the time to start, the faults themselves are seconds to minutes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import Product, distributed
from tests.e2e.servers import ROOT, auth_env, free_port, product_env
from tests.fault.private_stack import SERVICES, PrivateStack
from tuneton.adapters.kafka.admin import create_topics_from_spec


@pytest.fixture(scope="session")
def private_stack() -> Iterator[PrivateStack]:
    """Every service the fault tests stop, on private ports; stopped and deleted afterwards."""
    state = Path(tempfile.mkdtemp(prefix="tuneton-fault-"))
    state.chmod(0o755)  # postgres and elasticsearch run as their own users below it
    stack = PrivateStack(state)
    try:
        for service in SERVICES:
            stack.start(service)
        yield stack
    finally:
        stack.stop_all()
        shutil.rmtree(state, ignore_errors=True)


@pytest.fixture(scope="session")
def fault_product(
    tmp_path_factory: pytest.TempPathFactory, private_stack: PrivateStack, schema_registry_url: str
) -> Iterator[Product]:
    """The distributed product on the private stack (the registry is the shared one: never stopped)."""
    logs = tmp_path_factory.mktemp("fault")
    for line in create_topics_from_spec(private_stack.kafka_bootstrap, ROOT / "infra" / "kafka" / "topics.yaml"):
        print(line)  # noqa: T201 - visible with -s
    env = product_env(
        {
            "TUNETON_RUNTIME": "distributed",
            "TUNETON_DATA_DIR": str(logs / "data"),
            "TUNETON_WORKER_METRICS_PORT": str(free_port()),
            "TUNETON_KAFKA_BOOTSTRAP": private_stack.kafka_bootstrap,
            "TUNETON_SCHEMA_REGISTRY_URL": schema_registry_url,
            "TUNETON_POSTGRES_DSN": private_stack.postgres_dsn,
            "TUNETON_COMMAND_TIMEOUT_S": "30",
            "TUNETON_CONSISTENCY_WAIT_S": "5",
            "TUNETON_ELASTICSEARCH_URL": private_stack.elasticsearch_url,
            "TUNETON_ELASTICSEARCH_INDEX": f"tuneton-fault-{uuid.uuid4().hex[:8]}",
            "TUNETON_S3_ENDPOINT": private_stack.s3_endpoint,
            "TUNETON_S3_ACCESS_KEY": private_stack.access_key,
            "TUNETON_S3_SECRET_KEY": private_stack.secret_key,
            "TUNETON_S3_BUCKET": "tuneton-fault",
            "TUNETON_UPLOAD_MAX_BYTES": str(16 * 1024 * 1024),
            "TUNETON_LOG_LEVEL": os.environ.get("TUNETON_FAULT_LOG_LEVEL", "WARNING"),
            **auth_env(logs / "auth"),
        }
    )
    with distributed(env, logs, ready_timeout_s=300) as running:  # a loaded 2-core machine starts slowly
        yield running
