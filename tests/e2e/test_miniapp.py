"""The Mini App end to end: Node's test runner drives Debian's Chromium (playwright-core) against a
running ``tuneton serve`` on the embedded default, inside a mocked Telegram (``miniapp/e2e/``).

The browser test signs in, searches, plays, seeks, skips, builds and reorders a playlist, follows a
share link back, shifts pitch and tempo (preview first, then the render at the mapped position),
uploads, checks both themes with axe-core, and prints the figures BENCHMARKS.md quotes.
Screenshots go to a temporary folder, or to ``docs/screenshots`` with ``TUNETON_SCREENSHOTS=docs``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest

from tests.e2e.conftest import Product
from tests.e2e.servers import ROOT, auth_env, auth_headers, product_env, serve

if TYPE_CHECKING:
    from collections.abc import Iterator

# The test bot's token: initData is signed with it, as Telegram signs it for a real bot. The server
# checks the signature once Telegram sign-in is configured with the same token.
TEST_BOT_TOKEN = "123456:TEST-miniapp-bot-token"
TEST_USER = {"id": 4242, "first_name": "Ada", "last_name": "Lovelace", "username": "ada", "language_code": "en"}


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


@pytest.fixture(scope="module")
def miniapp_product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    """``tuneton serve`` with share links configured and the demo catalog uploaded through its API."""
    data = tmp_path_factory.mktemp("miniapp")
    secrets = auth_env(data / "auth")
    Path(secrets["TUNETON_BOT_TOKEN_FILE"]).write_text(TEST_BOT_TOKEN, encoding="utf-8")  # signs the test's initData
    env = product_env({
        "TUNETON_DATA_DIR": str(data / "data"),
        "TUNETON_TELEGRAM_BOT_USERNAME": "tunetonbot",
        "TUNETON_TELEGRAM_MINIAPP_NAME": "app",
        **secrets,
    })  # fmt: skip
    server, base = serve(env, data / "serve.log")
    uploader = auth_headers(env, "demo")["Authorization"].removeprefix("Bearer ")
    subprocess.run(
        [sys.executable, "-m", "tuneton.cli", "demo", "--api", base],
        env={**env, "TUNETON_API_TOKEN": uploader},
        check=True,
        timeout=600,
        cwd=ROOT,
    )
    yield Product("embedded", base, server, server, env)
    server.stop()


@pytest.mark.timeout(1500)  # a cold render of the +3 / 1.25x asset shares two cores with everything else
def test_miniapp_in_chromium(miniapp_product: Product, tmp_path: Path) -> None:
    """Every browser scenario passes; the measured figures are printed (``-s``) for BENCHMARKS.md."""
    subprocess.run(["bash", "scripts/build-miniapp.sh"], check=True, cwd=ROOT, timeout=600)  # cached
    upload = tmp_path / "upload.mp3"
    tone = ["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=4", "-ac", "2"]
    subprocess.run([*tone, str(upload)], check=True, timeout=60)
    shots = ROOT / "docs" / "screenshots" if os.environ.get("TUNETON_SCREENSHOTS") == "docs" else tmp_path / "shots"
    figures = tmp_path / "figures.json"
    env = {
        **os.environ,
        "BASE_URL": miniapp_product.base,
        "INIT_DATA": signed_init_data(TEST_BOT_TOKEN, TEST_USER, auth_date=int(time.time())),
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
    assert result.returncode == 0, report[-10000:] + miniapp_product.server.tail()
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
