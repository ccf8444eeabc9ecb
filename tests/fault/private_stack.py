"""A private stack for fault tests: servers a test may stop and start, never the shared ones.

Started with the project's own scripts (``infra/<service>/start.sh``) on ports offset from the
standard ones and under a private ``TUNETON_STACK_DIR``, so stopping PostgreSQL here leaves every
other test session's PostgreSQL alone. The schema registry is the shared one: the fault tests only
read and register schemas there, they never stop it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.servers import ROOT

SERVICES = ("postgres", "kafka", "elasticsearch", "s3")
START_TIMEOUT_S = 600


@dataclass
class PrivateStack:
    """Kafka, PostgreSQL, Elasticsearch and S3 on their own ports and state directory."""

    state_dir: Path
    kafka_port: int = 9292
    # Below Linux's ephemeral range (32768-60999): a port in it can be taken, while PostgreSQL is down
    # for a test or not started yet, as the local port of one of the thousands of client connections
    # the suite beside opens; 55632 was, once, and PostgreSQL could not bind it ("Address already in use").
    pg_port: int = 25632
    es_port: int = 9400
    s3_port: int = 9600
    started: set[str] = field(default_factory=set)
    access_key: str = "tuneton"
    secret_key: str = "tuneton-secret"

    @property
    def env(self) -> dict[str, str]:
        """What the infra scripts read: the state dir and the port overrides."""
        return {
            **os.environ,
            "PYTHON": sys.executable,
            "TUNETON_STACK_DIR": str(self.state_dir),
            "TUNETON_KAFKA_PORT": str(self.kafka_port),
            "TUNETON_PG_PORT": str(self.pg_port),
            "TUNETON_ES_PORT": str(self.es_port),
            "TUNETON_ES_TRANSPORT_PORT": str(self.es_port + 100),
            "TUNETON_S3_PORT": str(self.s3_port),
            # The scripts' start-up budgets are sized for an idle machine; a restart mid-test on a
            # shared, loaded one took Elasticsearch over 4 minutes.
            "ES_START_TIMEOUT": "600",
            "KAFKA_START_TIMEOUT": "300",
            "S3_START_TIMEOUT": "120",
        }

    @property
    def kafka_bootstrap(self) -> str:
        """The private broker."""
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def postgres_dsn(self) -> str:
        """The private cluster's ``tuneton`` database."""
        return f"postgresql://postgres@127.0.0.1:{self.pg_port}/tuneton"

    @property
    def elasticsearch_url(self) -> str:
        """The private Elasticsearch node."""
        return f"http://127.0.0.1:{self.es_port}"

    @property
    def s3_endpoint(self) -> str:
        """The private S3 server (host:port)."""
        return f"127.0.0.1:{self.s3_port}"

    def start(self, service: str) -> float:
        """Run ``infra/SERVICE/start.sh``; returns the seconds it took."""
        started = time.monotonic()
        self._run(service, "start")
        self.started.add(service)
        return time.monotonic() - started

    def stop(self, service: str) -> None:
        """Run ``infra/SERVICE/stop.sh`` (data is kept for the next start)."""
        self._run(service, "stop")

    def stop_all(self) -> None:
        """Stop every service this stack started."""
        for service in sorted(self.started):
            self._run(service, "stop", check=False)
        self.started.clear()

    def _run(self, service: str, action: str, *, check: bool = True) -> None:
        script = ROOT / "infra" / service / f"{action}.sh"
        done = subprocess.run(
            ["bash", str(script)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=False,
        )
        if check and done.returncode != 0:
            message = f"{script} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
            raise RuntimeError(message)
