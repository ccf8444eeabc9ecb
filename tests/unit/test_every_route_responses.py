"""Every API operation documents what the layers in front of it may answer (the gateway's included)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from query_api.stream_cap import TooManyStreamsProblem
from tuneton.media.probe import MIME_TYPES
from tuneton.server import create_app
from tuneton.settings import Settings
from tuneton.web.responses import Problem


def test_every_operation_documents_414_429_431_and_503(tmp_path: Path) -> None:
    paths = TestClient(create_app(Settings(data_dir=tmp_path))).get("/openapi.json").json()["paths"]
    operations = [
        (path, method, op) for path, ops in paths.items() if path.startswith("/v1/") for method, op in ops.items()
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"414", "429", "431", "503"} <= responses.keys(), (method, path)
        assert "Retry-After" in responses["429"]["headers"], (method, path)
    assert "/metrics" not in paths  # the gateway does not expose it


def test_audio_routes_document_every_type_an_original_is_served_in(tmp_path: Path) -> None:
    """An MP3's stream rendition is the MP3 itself: `audio/mpeg` was an undocumented content type
    (schemathesis, once the Kafka product held an uploaded MP3 from an earlier test)."""
    paths = TestClient(create_app(Settings(data_dir=tmp_path))).get("/openapi.json").json()["paths"]
    audio = paths["/v1/tracks/{track_id}/audio/{name}"]
    for method in ("get", "head"):
        documented = audio[method]["responses"]["200"]["content"].keys()
        assert set(MIME_TYPES.values()) <= documented, method
    cover = paths["/v1/tracks/{track_id}/covers/{size}.{ext}"]["get"]["responses"]["200"]["content"].keys()
    assert {"image/jpeg", "image/webp"} <= set(cover)
    assert not [media_type for media_type in cover if media_type.startswith("audio/")]


def gateway_429_bodies() -> dict[str, dict[str, object]]:
    """The JSON the gateway answers 429 with on media routes, read from its template (limits filled in)."""
    template = (Path(__file__).resolve().parents[2] / "infra/gateway/nginx.conf.template").read_text()
    bodies = {}
    for name in ("rate_limited", "too_many_streams"):
        block = re.search(rf"location @{name} \{{(.*?)\n        \}}", template, re.DOTALL)
        assert block is not None, name
        body = re.search(r"return 429 '(.*)';", block.group(1))
        assert body is not None, name
        bodies[name] = json.loads(body.group(1).replace("${STREAM_CONN_PER_USER}", "16"))
    return bodies


def test_audio_routes_document_both_429s_the_gateway_answers(tmp_path: Path) -> None:
    """A media request over the gateway's rate limit gets the Problem shape, over its stream limit a
    TooManyStreamsProblem: every audio route's 429 must document both, and each body must fit its model."""
    document = TestClient(create_app(Settings(data_dir=tmp_path))).get("/openapi.json").json()
    audio = [
        op for path, ops in document["paths"].items() if "/audio/" in path or "/files/" in path
        for method, op in ops.items() if method == "get"
    ]  # fmt: skip
    assert len(audio) == 2
    for operation in audio:
        schema = operation["responses"]["429"]["content"]["application/json"]["schema"]
        named = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["anyOf"]}
        assert named == {"TooManyStreamsProblem", "Problem"}, operation["operationId"]
    bodies = gateway_429_bodies()
    Problem.model_validate(bodies["rate_limited"], strict=True)
    assert set(bodies["rate_limited"]) == set(Problem.model_fields)
    TooManyStreamsProblem.model_validate(bodies["too_many_streams"], strict=True)
    assert set(bodies["too_many_streams"]) == set(TooManyStreamsProblem.model_fields)
