"""A private Kafka broker the fault tests may stop, restart and kill, and a product running on it.

The shared servers (the ones ``make test`` started on the standard ports) are never touched: the
broker here is started by the project's own ``infra/kafka/start.sh`` with its own
``TUNETON_STACK_DIR`` and ports (``TUNETON_FAULT_KAFKA_PORT``, default 9192, controller +1), and
stopped at the end. The registry, PostgreSQL, Elasticsearch and S3 are the shared ones: no fault
here stops them (a fresh database, index and bucket keep this product's state apart).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import Product, distributed_env, fresh_database, start_distributed
from tests.e2e.servers import ROOT
from tests.fixtures.catalog_servers import S3Endpoint

KAFKA_PORT = int(os.environ.get("TUNETON_FAULT_KAFKA_PORT", "9192"))


@dataclass(frozen=True)
class PrivateKafka:
    """A single-node KRaft broker of our own, driven through the project's scripts."""

    stack_dir: Path
    port: int

    @property
    def bootstrap(self) -> str:
        """``host:port`` of the broker."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        """``infra/kafka/start.sh``: returns once the broker answers metadata requests."""
        self._script("start.sh")

    def stop(self) -> None:
        """``infra/kafka/stop.sh``: a controlled shutdown (SIGTERM, then SIGKILL after 60 s)."""
        self._script("stop.sh")

    def kill(self) -> None:
        """SIGKILL the broker's JVM: no controlled shutdown, the log is recovered at the next start."""
        pid = int((self.stack_dir / "kafka" / "kafka.pid").read_text())
        os.kill(pid, signal.SIGKILL)

    def _script(self, name: str) -> None:
        env = {
            **os.environ,
            "TUNETON_STACK_DIR": str(self.stack_dir),
            "TUNETON_KAFKA_PORT": str(self.port),
            "TUNETON_KAFKA_CONTROLLER_PORT": str(self.port + 1),
            "PYTHON": sys.executable,
        }
        done = subprocess.run(
            ["bash", str(ROOT / "infra" / "kafka" / name)],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, f"infra/kafka/{name} exited {done.returncode}:\n{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateKafka]:
    """A broker this module owns; stopped (and its state dropped with the temp dir) at the end."""
    kafka = PrivateKafka(tmp_path_factory.mktemp("kafka-stack"), KAFKA_PORT)
    kafka.start()
    yield kafka
    kafka.stop()


@pytest.fixture(scope="module")
def fault_database(postgres_dsn: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this module's read models."""
    with fresh_database(postgres_dsn, "tuneton_fault") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def fault_product(
    tmp_path_factory: pytest.TempPathFactory,
    private_kafka: PrivateKafka,
    schema_registry_url: str,
    fault_database: str,
    elasticsearch_url: str,
    s3_endpoint: S3Endpoint,
) -> Iterator[Product]:
    """The API and the Faust worker on the private broker, shared by the module's tests.

    Shared on purpose: a fault must leave nothing behind that the next one trips over (each test
    checks only the playlists of its own clients), and a product start costs a minute here.
    """
    tmp_path = tmp_path_factory.mktemp("fault-product")
    env = distributed_env(
        tmp_path, private_kafka.bootstrap, schema_registry_url, fault_database, elasticsearch_url, s3_endpoint
    )
    env["TUNETON_COMMAND_TIMEOUT_S"] = "10"  # the default: what a client of a real deployment waits at most
    env["TUNETON_LOG_LEVEL"] = "INFO"  # count every line a real deployment would write
    # A loaded 2-core machine (several suites at once) takes minutes for what takes seconds alone;
    # the fault tests' own timeout (1200 s) leaves room for it.
    product = start_distributed(env, tmp_path, ready_timeout_s=180, processing_timeout_s=400)
    yield product
    product.server.stop()
    product.processing.stop()
