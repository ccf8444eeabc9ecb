"""The API through the real nginx gateway: schemathesis, and what the gateway answers on its own.

The fuzz run is ``test_fuzzing``'s, over HTTPS (schemathesis trusts the gateway's dev certificate):
every answer, the gateway's included, must be documented and match its schema. The gateway's own
answers — 429 from its rate limits, 413 and 431 from its size limits, 503 when the API is away — are
JSON in the API's shapes, and the per-user limit counts the *verified* user behind a credential.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Product
from tests.e2e.servers import auth_headers, free_port
from tests.e2e.test_fuzzing import FuzzTarget, assert_fuzzing_finds_nothing
from tests.fixtures.gateway import Gateway
from tuneton.http_unavailable import Unavailable
from tuneton.web.responses import Problem

# Its servers are its own (an embedded product, a private broker): make test runs it beside the rest.
pytestmark = pytest.mark.isolated


def upstream(product: Product) -> str:
    return product.base.removeprefix("http://")


def roomy_gateway(product: Product, gateway_factory: Callable[..., Gateway]) -> Gateway:
    """A gateway in front of ``product`` whose limits the fuzzer stays under.

    The fuzzer is one caller sending thousands of requests back to back; under the production limits
    (20 r/s per IP, 10 r/s per user) most of its findings would be 429s and nothing behind them gets
    exercised. The limits are this gateway's own settings (TUNETON_GATEWAY_RATE_*), so nothing a client
    sends — no header, no address — buys an exemption from a production gateway. 429 itself is
    documented on every operation and exercised by the burst tests below.
    """
    return gateway_factory(
        upstream(product),
        rate_ip="1000r/s", burst_ip="1000", rate_user="1000r/s", burst_user="1000", burst_media="1000",
    )  # fmt: skip


@pytest.fixture(scope="module")
def tight_gateway(embedded_product: Product, gateway_factory: Callable[..., Gateway]) -> Gateway:
    """Per-user limit 1 r/s with a burst of 3, a roomy per-IP limit: only the per-user one can refuse."""
    return gateway_factory(upstream(embedded_product), rate_user="1r/s", burst_user="3", burst_ip="200")


@pytest.mark.timeout(1800)
def test_fuzzing_through_the_gateway_finds_no_5xx_and_no_undocumented_answer(
    embedded_product: Product, gateway_factory: Callable[..., Gateway], tmp_path: Path
) -> None:
    """Embedded behind the gateway: what the gateway adds is the same for both runtimes, and the direct
    run (test_fuzzing.py) covers the distributed product's own answers."""
    gateway = roomy_gateway(embedded_product, gateway_factory)
    caller = auth_headers(embedded_product.env, "gateway-fuzzer")
    assert_fuzzing_finds_nothing(FuzzTarget(gateway.base, caller, gateway.cert), tmp_path)


def statuses(gateway: Gateway, headers: list[dict[str, str]]) -> list[int]:
    """Statuses of concurrent GETs of /v1/search, one per header set (one HTTP/2 connection)."""

    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=gateway.base, verify=gateway.trust(), timeout=60) as api:
            answers = await asyncio.gather(*(api.get("/v1/search", headers=h) for h in headers))
        return [answer.status_code for answer in answers]

    return asyncio.run(run())


def tokens_of(product: Product, user: str, count: int) -> list[dict[str, str]]:
    """``count`` different valid access tokens of one user (issued a second apart, all still valid)."""
    return [auth_headers(product.env, user, issued_at=time.time() - n) for n in range(count)]


def test_tokens_of_one_user_share_a_bucket(embedded_product: Product, tight_gateway: Gateway) -> None:
    user = f"u{uuid.uuid4().hex[:8]}"
    answered = statuses(tight_gateway, tokens_of(embedded_product, user, 20))
    assert answered.count(429) >= 10, answered  # per token, every one of the 20 would pass


def test_users_have_buckets_of_their_own(embedded_product: Product, tight_gateway: Gateway) -> None:
    users = [f"u{uuid.uuid4().hex[:8]}" for _ in range(8)]
    busy = users[0]
    assert statuses(tight_gateway, tokens_of(embedded_product, busy, 10)).count(429) >= 5
    others = statuses(tight_gateway, [auth_headers(embedded_product.env, user) for user in users[1:]])
    assert others == [200] * 7  # the busy user's bucket is full; nobody else's is


def test_forged_credentials_get_no_bucket_of_their_own(embedded_product: Product, tight_gateway: Gateway) -> None:
    """Garbage tokens are not a way around the per-user limit: they are nobody (401), not new users."""
    forged = [{"Authorization": f"tma user=1&hash={n:064x}"} for n in range(6)]
    assert set(statuses(tight_gateway, forged)) == {401}
    user = f"u{uuid.uuid4().hex[:8]}"
    victim = auth_headers(embedded_product.env, user)
    claiming = [{**victim, "Authorization": victim["Authorization"] + "x"} for _ in range(10)]  # a broken copy
    assert set(statuses(tight_gateway, claiming)) == {401}
    assert statuses(tight_gateway, [victim]) == [200]  # the copies did not drain the user's bucket


def problem(answer: httpx.Response) -> dict[str, Any]:
    """The JSON body of a gateway refusal, checked against the API's Problem shape."""
    assert answer.headers["content-type"] == "application/json", answer.text
    return Problem.model_validate_json(answer.content).model_dump()


def test_the_gateway_answers_json_in_the_api_s_shapes(tight_gateway: Gateway) -> None:
    with httpx.Client(base_url=tight_gateway.base, verify=tight_gateway.trust(), timeout=60) as api:
        huge_header = api.get("/v1/search", headers={"X-Big": "x" * 20_000})
        assert (huge_header.status_code, problem(huge_header)["detail"].split(":")[0]) == (431, "headers_too_large")
        huge_body = api.post("/v1/playlists", content=b"x" * (2 * 1024 * 1024), headers={"X-Tuneton-User": "b"})
        assert (huge_body.status_code, problem(huge_body)["detail"].split(":")[0]) == (413, "too_large")
        trace = api.request("TRACE", "/v1/playlists", content=b"{}")  # refused by nginx, answered by the API
        assert (trace.status_code, trace.headers["allow"], problem(trace)["detail"].split(";")[0]) == (
            405, "POST", "TRACE is not allowed here")  # fmt: skip
        for path in ("/metrics", "/_gateway/identity"):  # the app's, not the internet's
            hidden = api.get(path)
            assert (hidden.status_code, problem(hidden)) == (404, {"detail": "Not Found"})


def test_an_api_that_is_away_is_a_documented_503(gateway_factory: Callable[..., Gateway]) -> None:
    away = gateway_factory(f"127.0.0.1:{free_port()}")  # nothing listens there
    with httpx.Client(base_url=away.base, verify=away.trust(), timeout=60) as api:
        answers = [api.get("/v1/search"), api.post("/v1/playlists", json={"name": "x"}), api.get("/healthz")]
    for answer in answers:
        assert (answer.status_code, answer.headers["retry-after"]) == (503, "5"), answer.text
        assert Unavailable.model_validate_json(answer.content).store == "api"
