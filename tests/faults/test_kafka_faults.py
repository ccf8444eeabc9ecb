"""Kafka faults under load: the broker down for 60 s, the broker restarted, the Faust worker SIGKILLed.

Each test runs three clients adding tracks to their own playlists while the fault happens, and then
checks the same things: nothing a client was told is accepted is lost, nothing is applied twice
(versions gapless and unique per aggregate), the read model equals the fold of the topic, clients
were answered ``503`` + ``Retry-After`` (never ``500``, never left hanging past their timeout), and
the system became ready again by itself. The figures printed (``-s``) are the ones in docs/faults.md.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.e2e.servers import wait_processing
from tests.faults.conftest import PrivateKafka
from tests.faults.load import Load, assert_nothing_lost_nothing_twice

# Generous: the first test also pays for the broker and the product starting (minutes on a loaded machine).
pytestmark = [pytest.mark.kafka, pytest.mark.fault, pytest.mark.timeout(1200)]

OUTAGE_S = 60
READY_WITHIN_S = 60  # after the broker answers again, the API must be ready within this (no restart)
LOG_LINES_BOUND = 2_000  # warning/error lines the API may write for the whole test (13,078 before the limit)


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=5).status_code == httpx.codes.OK
    except httpx.HTTPError:
        return False


def _until_ready(base: str, within_s: float) -> float:
    """Seconds until /readyz answers 200; fails after ``within_s``."""
    started = time.monotonic()
    while not _ready(base):
        assert time.monotonic() - started < within_s, f"not ready {within_s}s after the broker came back"
        time.sleep(0.5)
    return time.monotonic() - started


def _problem_lines(log: Path) -> int:
    """Warning and error lines in a JSON-lines log (non-JSON lines count too: they are tracebacks)."""
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            level = json.loads(line).get("level")
        except ValueError:
            count += 1
            continue
        count += level in {"WARNING", "ERROR", "CRITICAL"}
    return count


def _assert_clients_saw_no_500_and_no_hang(load: Load) -> None:
    answers = load.answers()
    assert not [
        a
        for a in answers
        if a.status is not None
        and a.status >= httpx.codes.INTERNAL_SERVER_ERROR
        and a.status != httpx.codes.SERVICE_UNAVAILABLE
    ], "only 503 for trouble"
    assert not [a for a in answers if a.status is None], "every request was answered within the client's timeout"
    unavailable = [a for a in answers if a.status == httpx.codes.SERVICE_UNAVAILABLE]
    assert all(a.retry_after for a in unavailable), "every 503 says when to retry"


def _conclude(name: str, product: Product, load: Load, marks: dict[str, float], **figures: object) -> None:
    """Print what clients saw during and after the fault, then check the answers and the log."""
    during, after = load.summary(marks["down"], marks["up"]), load.summary(marks["up"], time.monotonic())
    print(f"\nFAULT {name}: {json.dumps({'during': during, 'after': after, **figures})}")  # noqa: T201 - docs/faults.md
    _assert_clients_saw_no_500_and_no_hang(load)
    assert_nothing_lost_nothing_twice(product, load)


def test_kafka_down_60s_under_load(fault_product: Product, private_kafka: PrivateKafka) -> None:
    load = Load(fault_product, http_timeout_s=40)
    marks: dict[str, float] = {}
    readiness_while_down: list[bool] = []

    def outage() -> None:
        marks["down"] = time.monotonic()
        private_kafka.stop()
        while time.monotonic() - marks["down"] < OUTAGE_S:
            readiness_while_down.append(_ready(fault_product.base))
            time.sleep(2)
        private_kafka.start()
        marks["up"] = time.monotonic()
        marks["ready_s"] = _until_ready(fault_product.base, READY_WITHIN_S)

    load.run_with(outage, after_each=5)
    first_accept = min(
        a.at + a.latency_s for a in load.answers() if a.at >= marks["up"] and a.status == httpx.codes.CREATED
    )
    api_lines = _problem_lines(fault_product.server.log_path)
    _conclude(
        "kafka-down-60s",
        fault_product,
        load,
        marks,
        ready_after_broker_up_s=round(marks["ready_s"], 1),
        first_201_after_broker_up_s=round(first_accept - marks["up"], 1),
        readyz_while_down={"ready": readiness_while_down.count(True), "not_ready": readiness_while_down.count(False)},
        api_problem_log_lines=api_lines,
        worker_problem_log_lines=_problem_lines(fault_product.processing.log_path),
    )
    assert readiness_while_down.count(True) <= 1, "/readyz says not ready while the broker is down"
    assert api_lines < LOG_LINES_BOUND, "repeated connection errors are bounded"


def test_broker_killed_and_restarted_under_load(fault_product: Product, private_kafka: PrivateKafka) -> None:
    load = Load(fault_product, http_timeout_s=40)
    marks: dict[str, float] = {}

    def restart() -> None:
        marks["down"] = time.monotonic()
        private_kafka.kill()
        private_kafka.start()  # recovers the log of the killed broker first
        marks["up"] = time.monotonic()
        marks["ready_s"] = _until_ready(fault_product.base, READY_WITHIN_S)

    load.run_with(restart, after_each=5)
    _conclude(
        "broker-kill-restart",
        fault_product,
        load,
        marks,
        broker_down_s=round(marks["up"] - marks["down"], 1),
        ready_after_broker_up_s=round(marks["ready_s"], 1),
    )


def test_worker_sigkill_mid_batch_under_load(fault_product: Product) -> None:
    load = Load(fault_product, http_timeout_s=40, pace_s=0.0)
    marks: dict[str, float] = {}

    def crash() -> None:
        marks["down"] = time.monotonic()
        fault_product.processing.kill()
        fault_product.processing.start()
        wait_processing(fault_product.base, fault_product.auth("probe-restart"))
        marks["up"] = time.monotonic()

    load.run_with(crash, after_each=8)
    _conclude(
        "worker-sigkill", fault_product, load, marks, kill_to_first_answer_s=round(marks["up"] - marks["down"], 1)
    )
