"""Start the real product processes for end-to-end tests: ``tuneton serve`` and the Faust worker.

Each is a subprocess on a free loopback port, so the tests go through real HTTP, real processes and
(on the Kafka runtime) real servers — and can kill a process with SIGKILL mid-stream.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tuneton.auth.profile import TelegramProfile
from tuneton.auth.tokens import TokenService

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A currently free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A product process with its log file."""

    args: list[str]
    env: dict[str, str]
    log_path: Path
    popen: subprocess.Popen[bytes] | None = field(default=None)

    def start(self) -> Process:
        """Launch (again) with the same arguments and environment."""
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no flush — the crash we must survive."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        """The end of the process log, for failure messages."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def product_env(extra: dict[str, str]) -> dict[str, str]:
    """The current environment plus tuneTON settings; no config file leaks in from the user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUNETON_")}
    env.update({"TUNETON_CONFIG": "/nonexistent/tuneton.toml", "TUNETON_LOG_LEVEL": "WARNING", **extra})
    return env


def auth_env(folder: Path) -> dict[str, str]:
    """A bot token and a signing key of this product only, in files (as production supplies them)."""
    folder.mkdir(parents=True, exist_ok=True)
    keys, token = folder / "signing-keys.json", folder / "bot-token"
    keys.write_text(json.dumps({f"e2e-{uuid.uuid4().hex[:6]}": secrets.token_urlsafe(48)}), encoding="utf-8")
    token.write_text(f"4242424242:{secrets.token_urlsafe(27)}", encoding="utf-8")
    return {"TUNETON_AUTH_SIGNING_KEYS_FILE": str(keys), "TUNETON_BOT_TOKEN_FILE": str(token)}


def auth_headers(env: dict[str, str], user: str, *, issued_at: float | None = None) -> dict[str, str]:
    """``Authorization`` for ``user``: an access token minted with the signing key ``auth_env`` wrote
    (now, or at ``issued_at``: tokens issued at different seconds differ, for several tokens of one user)."""
    keys = json.loads(Path(env["TUNETON_AUTH_SIGNING_KEYS_FILE"]).read_text(encoding="utf-8"))
    tokens = TokenService(keys, active_kid=next(iter(keys)), access_ttl_s=3600, refresh_ttl_s=3600)
    pair = tokens.issue(TelegramProfile(user_id=user, first_name=user), now=issued_at)
    return {"Authorization": f"Bearer {pair.access_token}"}


def serve(env: dict[str, str], log_path: Path, *, ready_timeout_s: float = 60) -> tuple[Process, str]:
    """Start ``tuneton serve`` on a free port and wait until /readyz says ready."""
    port = free_port()
    process = Process([sys.executable, "-m", "tuneton.cli", "serve", "--port", str(port)], env, log_path).start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, ready_timeout_s)
    except BaseException:
        process.stop()  # never leave a server behind that the caller has no handle on
        raise
    return process, base


def worker(env: dict[str, str], log_path: Path) -> Process:
    """Start the Faust worker (distributed runtime)."""
    return Process([sys.executable, "-m", "processors", "worker", "--loglevel", "warn"], env, log_path).start()


def embedded_workers(serve_pid: int) -> list[int]:
    """The pids of the ``python -m processors embedded`` children of a ``tuneton serve`` (Linux ``/proc``)."""
    tasks = Path(f"/proc/{serve_pid}/task").iterdir()
    children = [int(c) for task in tasks for c in (task / "children").read_text().split()]
    return [pid for pid in children if b"processors\0embedded" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def wait_ready(base: str, process: Process, timeout_s: float = 180) -> None:
    """Poll /readyz until 200, failing with the process log if it dies or never gets ready.

    3 minutes: with several suites sharing 2 cores (load average 40+) a healthy start took over 60 s.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.popen is not None and process.popen.poll() is not None:
            raise RuntimeError(f"server exited early:\n{process.tail()}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready in {timeout_s}s:\n{process.tail()}")


def wait_processing(base: str, auth: dict[str, str], timeout_s: float = 180) -> None:
    """Retry one idempotent command until the processors answer it (Faust joins its group slowly)."""
    key = f"probe-{time.time_ns()}"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            response = httpx.put(
                f"{base}/v1/users/me",
                json={"display_name": "probe"},
                headers={**auth, "Idempotency-Key": key},
                timeout=30,
            )
            if response.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the processors never answered a command")


def run_cli(env: dict[str, str], *args: str) -> str:
    """``tuneton ARGS`` against the product's settings; its stdout (fails the test on a non-zero exit)."""
    done = subprocess.run(
        [sys.executable, "-m", "tuneton.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout
