"""The product under test, on each runtime: a base URL plus the processes behind it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.e2e.servers import (
    ROOT,
    Process,
    auth_env,
    auth_headers,
    free_port,
    product_env,
    serve,
    wait_processing,
    worker,
)
from tests.fixtures.catalog_servers import S3Endpoint
from tuneton.adapters.kafka.admin import create_topics_from_spec
from tuneton.settings import Settings


@dataclass
class Product:
    """A running tuneTON: where to call it and which processes to crash."""

    runtime: str
    base: str
    server: Process
    processing: Process  # the process that runs the processors (the server itself when embedded)
    env: dict[str, str]

    @property
    def data_dir(self) -> Path:
        """The product's data directory (embedded: log, read models, blobs, search)."""
        return Path(self.env["TUNETON_DATA_DIR"])

    def auth(self, user: str) -> dict[str, str]:
        """Headers that sign ``user`` in: an access token minted with the product's signing key (both runtimes)."""
        return auth_headers(self.env, user)

    def bot_token(self) -> str:
        """The product's (test) bot token, to sign initData like Telegram would."""
        return Path(self.env["TUNETON_BOT_TOKEN_FILE"]).read_text(encoding="utf-8").strip()

    def settings(self) -> Settings:
        """The product's settings, to open its event log, stores and codec from a test."""
        env = {k.removeprefix("TUNETON_").lower(): v for k, v in self.env.items() if k.startswith("TUNETON_")}
        env.pop("config", None)
        return Settings(**env)


@contextmanager
def distributed(env: dict[str, str], logs: Path, *, ready_timeout_s: float = 60) -> Iterator[Product]:
    """The Faust worker and ``tuneton serve`` on ``env``'s servers, once they answer commands; stopped after."""
    product = start_distributed(env, logs, ready_timeout_s=ready_timeout_s)
    try:
        yield product
    finally:
        product.server.stop()
        product.processing.stop()


# A 16 MB upload limit: a 10 MB tag still fits (and is refused for itself), a 17 MB file does not.
CATALOG_LIMITS = {"TUNETON_UPLOAD_MAX_BYTES": str(16 * 1024 * 1024)}


@contextlib.contextmanager
def fresh_database(postgres_dsn: str, prefix: str) -> Iterator[str]:
    """A new PostgreSQL database on the server of ``postgres_dsn``, dropped (with its sessions) after."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = postgres_dsn.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    finally:  # a failed test or benchmark leaves no database behind either
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def e2e_database(postgres_dsn: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this session's Kafka-runtime read models."""
    with fresh_database(postgres_dsn, "tuneton_e2e") as dsn:
        yield dsn


@pytest.fixture(scope="module")
def embedded_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """``tuneton serve`` with nothing configured but a fresh data dir."""
    data = tmp_path_factory.mktemp("embedded")
    env = product_env({"TUNETON_DATA_DIR": str(data / "data"), **CATALOG_LIMITS, **auth_env(data / "auth")})
    server, base = serve(env, data / "serve.log")
    yield Product("embedded", base, server, server, env)
    server.stop()


@pytest.fixture(scope="session")
def distributed_servers(
    kafka_bootstrap: str,
    schema_registry_url: str,
    e2e_database: str,
    elasticsearch_url: str,
    s3_endpoint: S3Endpoint,
) -> Callable[[Path], dict[str, str]]:
    """The environment of a distributed product on the running servers, given its logs folder."""
    return lambda logs: distributed_env(
        logs, kafka_bootstrap, schema_registry_url, e2e_database, elasticsearch_url, s3_endpoint
    )


@pytest.fixture(scope="session")
def kafka_product(
    tmp_path_factory: pytest.TempPathFactory, distributed_servers: Callable[[Path], dict[str, str]]
) -> Iterator[Product]:
    """``tuneton serve`` (stateless) plus the Faust worker, on Kafka, the registry and PostgreSQL.

    One for the session: a worker joins its consumer groups and recovers its tables in tens of seconds,
    paid once instead of once per module. Tests that kill or stop a process start it again.
    """
    logs: Path = tmp_path_factory.mktemp("kafka")
    # Static group membership, so the kill and restart tests below take the worker's partitions back at
    # once; the fault suites' products keep dynamic membership, so both paths stay under test.
    env = {**distributed_servers(logs), "TUNETON_WORKER_INSTANCE_ID": f"e2e-{uuid.uuid4().hex[:8]}"}
    product = start_distributed(env, logs)
    yield product
    product.server.stop()
    product.processing.stop()


def distributed_env(
    logs: Path, kafka_bootstrap: str, registry_url: str, database: str, elasticsearch_url: str, s3: S3Endpoint
) -> dict[str, str]:
    """The environment of a distributed product on these servers, with its own index and bucket."""
    return product_env(
        {
            "TUNETON_RUNTIME": "distributed",
            "TUNETON_DATA_DIR": str(logs / "data"),
            "TUNETON_WORKER_METRICS_PORT": str(free_port()),
            "TUNETON_KAFKA_BOOTSTRAP": kafka_bootstrap,
            "TUNETON_SCHEMA_REGISTRY_URL": registry_url,
            "TUNETON_POSTGRES_DSN": database,
            "TUNETON_COMMAND_TIMEOUT_S": "30",
            "TUNETON_CONSISTENCY_WAIT_S": "20",
            "TUNETON_ELASTICSEARCH_URL": elasticsearch_url,
            "TUNETON_ELASTICSEARCH_INDEX": f"tuneton-e2e-{uuid.uuid4().hex[:10]}",
            "TUNETON_S3_ENDPOINT": s3.endpoint,
            "TUNETON_S3_ACCESS_KEY": s3.access_key,
            "TUNETON_S3_SECRET_KEY": s3.secret_key,
            "TUNETON_S3_BUCKET": f"tuneton-e2e-{uuid.uuid4().hex[:10]}",
            **CATALOG_LIMITS,
            **auth_env(logs / "auth"),
        }
    )


def start_distributed(
    env: dict[str, str], logs: Path, *, ready_timeout_s: float = 60, processing_timeout_s: float = 180
) -> Product:
    """Create the topics, start the worker and the API, and wait until a command is answered.

    The defaults fit the suite's 300-s test timeout (a fixture that overruns it aborts the session).
    """
    for line in create_topics_from_spec(env["TUNETON_KAFKA_BOOTSTRAP"], ROOT / "infra" / "kafka" / "topics.yaml"):
        print(line)  # noqa: T201 - visible with -s; topics must exist before the worker subscribes
    processing = worker(env, logs / "worker.log")
    server: Process | None = None
    try:  # a product that never became ready must not outlive the test (it would join later runs' groups)
        server, base = serve(env, logs / "serve.log", ready_timeout_s=ready_timeout_s)
        wait_processing(base, auth_headers(env, f"probe-{uuid.uuid4().hex[:8]}"), timeout_s=processing_timeout_s)
    except BaseException:
        processing.stop()
        if server is not None:
            server.stop()
        raise
    return Product("kafka", base, server, processing, env)


# ``@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)``: a long test whose embedded run
# goes beside the rest (marker ``isolated``: ``make test`` runs those in its second pytest process, on an
# embedded product of that process's own) while its Kafka run stays here, on this session's one Kafka
# product (two workers on one broker would split the consumer groups). Balances the two processes.
EMBEDDED_BESIDE = [pytest.param("embedded", marks=pytest.mark.isolated), pytest.param("kafka", marks=pytest.mark.kafka)]


@pytest.fixture(params=["embedded", pytest.param("kafka", marks=pytest.mark.kafka)])
def product(request: pytest.FixtureRequest) -> Product:
    """Each end-to-end test runs on both runtimes."""
    fixture: Product = request.getfixturevalue(f"{request.param}_product")
    return fixture
