"""The Mini App end to end: Node's test runner drives Debian's Chromium (playwright-core) inside a mocked
Telegram (``miniapp/e2e/``) against a running product: ``tuneton serve`` on the embedded default, and the
distributed stack (Kafka runtime, asynchronous read models) through the TLS gateway.

The browser test signs in, searches, plays, seeks, skips, builds and reorders a playlist, follows a
share link back, shifts pitch and tempo (preview first, then the render at the mapped position),
uploads, checks both themes with axe-core, and prints the figures BENCHMARKS.md quotes.
Screenshots go to a temporary folder, or (embedded run) to ``docs/screenshots`` with ``TUNETON_SCREENSHOTS=docs``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import httpx
import pytest

from tests.e2e.conftest import Product, fresh_database, start_distributed
from tests.e2e.servers import ROOT, auth_env, product_env, serve
from tests.fault.private_stack import PrivateStack
from tuneton.catalog.demo_catalog import ALBUMS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from tests.fixtures.gateway import Gateway

# The test bot's token: initData is signed with it, as Telegram signs it for a real bot. The server
# checks the signature once Telegram sign-in is configured with the same token.
TEST_BOT_TOKEN = "123456:TEST-miniapp-bot-token"
TEST_USER = {"first_name": "Ada", "last_name": "Lovelace", "username": "ada", "language_code": "en"}


# Its servers are its own (an embedded product, a private broker): make test runs it beside the rest.
pytestmark = pytest.mark.isolated


def run_user() -> dict[str, object]:
    """The Telegram user of one run, with an id of its own: Kafka (the decider's state, the projections'
    offsets) outlives a run's fresh database, so a user signed in by an earlier run would not be new."""
    return {"id": 10**9 + secrets.randbelow(10**9), **TEST_USER}


def signed_init_data(bot_token: str, user: dict[str, object], *, auth_date: int) -> str:
    """initData as Telegram builds it: sorted fields in a check string, HMAC-SHA256 keyed by the bot token."""
    fields = {
        "auth_date": str(auth_date),
        "query_id": "AAE-miniapp-test",
        "user": json.dumps(user, separators=(",", ":")),
    }
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    fields["hash"] = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


# Share links need the bot's and the app's names; the test bot token checks the signed initData.
TELEGRAM_ENV = {"TUNETON_TELEGRAM_BOT_USERNAME": "tunetonbot", "TUNETON_TELEGRAM_MINIAPP_NAME": "app"}


@dataclass(frozen=True)
class AppUnderTest:
    """Where the browser opens the app (the API itself, or the gateway in front of it), and the product."""

    base: str
    product: Product


def with_test_bot(env: dict[str, str]) -> dict[str, str]:
    """``env`` whose bot token (read at start) is the test bot's, so the test's signed initData is accepted."""
    Path(env["TUNETON_BOT_TOKEN_FILE"]).write_text(TEST_BOT_TOKEN, encoding="utf-8")
    return {**env, **TELEGRAM_ENV}


def with_demo_catalog(product: Product, *, timeout_s: float = 300) -> Product:
    """The demo catalog uploaded through the product's own API and listed and searchable (set-up, not
    under test: on Kafka the uploads answer before the worker has projected and indexed them)."""
    headers = product.auth("demo")
    subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "demo", "--api", product.base],
        env={**product.env, "TUNETON_API_TOKEN": headers["Authorization"].removeprefix("Bearer ")},
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    expected = sum(len(album.tracks) for album in ALBUMS)
    deadline = time.monotonic() + timeout_s
    with httpx.Client(base_url=product.base, headers=headers, timeout=30) as api:
        while (
            api.get("/v1/tracks", params={"limit": 100}).json()["count"] < expected
            or api.get("/v1/search", params={"q": "", "limit": 100}).json()["total"] < expected
        ):
            assert time.monotonic() < deadline, f"the demo catalog is not listed after {timeout_s} s"
            time.sleep(0.5)
    return product


@pytest.fixture(scope="module")
def miniapp_embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppUnderTest]:
    """``tuneton serve`` on the embedded default, opened directly."""
    data = tmp_path_factory.mktemp("miniapp")
    env = with_test_bot(product_env({"TUNETON_DATA_DIR": str(data / "data"), **auth_env(data / "auth")}))
    server, base = serve(env, data / "serve.log")
    try:
        yield AppUnderTest(base, with_demo_catalog(Product("embedded", base, server, server, env)))
    finally:
        server.stop()


# The private broker's port: the standard one plus this test's offset (overridable). A distributed product
# of its own on the shared broker would join the consumer groups of the session's ``kafka_product``
# (every worker's is ``tuneton-processors``) and each would see only part of the events.
PRIVATE_KAFKA_PORT = int(os.environ.get("TUNETON_MINIAPP_KAFKA_PORT", "9992"))


@pytest.fixture(scope="module")
def miniapp_gateway(
    tmp_path_factory: pytest.TempPathFactory,
    distributed_servers: Callable[[Path], dict[str, str]],
    postgres_dsn: str,
    gateway_factory: Callable[..., Gateway],
) -> Iterator[AppUnderTest]:
    """The distributed product (Kafka, Apicurio, PostgreSQL, Elasticsearch, S3) behind the TLS gateway.

    Kafka is a private broker (``infra/kafka/start.sh`` on its own port and state directory, stopped
    after); the other servers are the shared ones, with this product's own database (the session's
    ``kafka_product`` projects the shared broker into ``e2e_database``), index and bucket.
    The gateway's limits are roomy: this test is about the app through it, not about throttling.
    """
    logs = tmp_path_factory.mktemp("miniapp-kafka")
    broker = PrivateStack(state_dir=logs / "stack", kafka_port=PRIVATE_KAFKA_PORT)
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(broker.stop_all)
        broker.start("kafka")
        database = cleanup.enter_context(fresh_database(postgres_dsn, "tuneton_miniapp"))
        env = {**distributed_servers(logs), "TUNETON_KAFKA_BOOTSTRAP": broker.kafka_bootstrap,
               "TUNETON_POSTGRES_DSN": database}  # fmt: skip
        product = start_distributed(with_test_bot(env), logs)
        try:
            with_demo_catalog(product)
            gateway = gateway_factory(
                product.base.removeprefix("http://"),
                rate_ip="1000r/s", burst_ip="1000", rate_user="1000r/s", burst_user="1000", burst_media="1000",
            )  # fmt: skip
            yield AppUnderTest(gateway.base, product)
        finally:
            product.server.stop()
            product.processing.stop()


@pytest.fixture(scope="module", params=["embedded", pytest.param("gateway", marks=pytest.mark.kafka)])
def app_under_test(request: pytest.FixtureRequest) -> AppUnderTest:
    """Every browser scenario runs on the embedded default and through the gateway on the distributed stack."""
    target: AppUnderTest = request.getfixturevalue(f"miniapp_{request.param}")
    return target


@pytest.mark.timeout(1500)  # a cold render of the +3 / 1.25x asset shares two cores with everything else
def test_miniapp_in_chromium(app_under_test: AppUnderTest, tmp_path: Path) -> None:
    """Every browser scenario passes; the measured figures are printed (``-s``) for BENCHMARKS.md."""
    subprocess.run(["bash", "scripts/build-miniapp.sh"], check=True, cwd=ROOT, timeout=600)  # cached
    upload = tmp_path / "upload.mp3"
    tone = ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-ac", "2"]
    subprocess.run([*tone, str(upload)], check=True, timeout=60)
    to_docs = os.environ.get("TUNETON_SCREENSHOTS") == "docs" and app_under_test.product.runtime == "embedded"
    shots = ROOT / "docs" / "screenshots" if to_docs else tmp_path / "shots"
    figures = tmp_path / "figures.json"
    env = {
        **os.environ,
        "BASE_URL": app_under_test.base,
        "INIT_DATA": signed_init_data(TEST_BOT_TOKEN, run_user(), auth_date=int(time.time())),
        "UPLOAD_FILE": str(upload),
        "SCREENSHOTS_DIR": str(shots),
        "METRICS_OUT": str(figures),
    }
    log = tmp_path / "node-test.log"
    with log.open("w") as out:
        node = ["node", "--test", "--test-reporter=spec", "e2e/"]
        result = subprocess.run(node, cwd=ROOT / "miniapp", env=env, stdout=out, stderr=subprocess.STDOUT, check=False)
    report = log.read_text()
    print(report[-6000:])  # noqa: T201 - the scenario list and the figures, visible with -s
    assert result.returncode == 0, report[-10000:] + app_under_test.product.server.tail()
    print("miniapp figures:", figures.read_text())  # noqa: T201 - for BENCHMARKS.md


def test_miniapp_pure_logic() -> None:
    """The app's pure TypeScript (key/tempo arithmetic, launch parameters, queue, messages) under node --test."""
    subprocess.run(["bash", "scripts/build-miniapp.sh"], check=True, cwd=ROOT, timeout=600)  # installs node_modules
    result = subprocess.run(
        ["npm", "run", "-s", "test:unit"],
        cwd=ROOT / "miniapp",
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
