"""Property-based fuzzing of the OpenAPI document against the running product (schemathesis, bounded).

Every operation gets its schema's examples, the coverage phase's boundary values (2^63 offsets,
over-long strings, wrong types, missing headers, unknown methods) and a few random requests. The run
fails on a 5xx, on a response that breaks its own documented schema, on a status code or content
type the document does not list, on a 405 whose ``Allow`` is wrong, and on schema-invalid requests
that are accepted.

``positive_data_acceptance`` is left out on purpose: it expects every schema-valid request to
succeed, but ids that exist, consistency tokens that decode and idempotency keys are facts no schema
can state, so valid-looking requests are rightly refused (404, 400, 422). ``ignored_auth`` checks
declared security schemes, and the document declares none yet (the dev header is a parameter).

The target is the ``fuzz_target`` fixture: the product itself here; ``test_gateway_fuzzing.py``
points the same run (``assert_fuzzing_finds_nothing``) through nginx, trusting its dev certificate.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.e2e.callers import caller_headers
from tests.e2e.conftest import EMBEDDED_BESIDE, Product

CONFIG = Path(__file__).with_name("schemathesis.toml")
MAX_EXAMPLES = 5  # per operation and phase: the whole run stays around a minute or two on an idle machine
EXCLUDED_CHECKS = "positive_data_acceptance,ignored_auth"


class FuzzTarget(NamedTuple):
    """Where the fuzzer calls, as whom, and the CA certificate to trust (HTTPS through the gateway)."""

    base: str
    headers: dict[str, str]
    cafile: Path | None = None


@pytest.fixture
def fuzz_target(product: Product) -> FuzzTarget:
    """The product itself, called as one signed-in user."""
    return FuzzTarget(product.base, caller_headers(product, "fuzzer"))


def schemathesis_run(target: FuzzTarget, workdir: Path) -> subprocess.CompletedProcess[str]:
    """One bounded ``schemathesis run`` against ``target``; its report is the process output."""
    headers = [arg for name, value in target.headers.items() for arg in ("-H", f"{name}: {value}")]
    tls = ["--tls-verify", str(target.cafile)] if target.cafile is not None else []
    return subprocess.run(
        [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG),
         "run", f"{target.base}/openapi.json",
         "--checks", "all", "--exclude-checks", EXCLUDED_CHECKS, "--phases", "examples,coverage,fuzzing",
         "--max-examples", str(MAX_EXAMPLES), "--request-timeout", "60", "--workers", "1",
         "--generation-database", "none", "--no-color", *tls, *headers],
        cwd=workdir, capture_output=True, text=True, timeout=1500, check=False,
    )  # fmt: skip


def failures_first(stdout: str) -> str:
    """The run's failure details (each with its curl reproduction) before its summary: a CI log shows the
    start and the end of a long assertion message, and the middle is where schemathesis puts them."""
    start, end = stdout.find("FAILURES"), stdout.find("SUMMARY")
    details = stdout[start:end] if 0 <= start < end else ""
    return details[:12_000] + "\n" + stdout[-6_000:]


def assert_fuzzing_finds_nothing(target: FuzzTarget, workdir: Path) -> None:
    """The bounded run passes every check, and it did test operations (not a schema it failed to load)."""
    done = schemathesis_run(target, workdir)
    report = failures_first(done.stdout) + done.stderr[-5_000:]
    assert done.returncode == 0, report
    assert "Operations:" in done.stdout, report


@pytest.mark.timeout(1800)
@pytest.mark.parametrize("product", EMBEDDED_BESIDE, indirect=True)
def test_fuzzing_finds_no_5xx_and_no_undocumented_answer(fuzz_target: FuzzTarget, tmp_path: Path) -> None:
    assert_fuzzing_finds_nothing(fuzz_target, tmp_path)
