"""Every API operation documents what the layers in front of it may answer (the gateway's included)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tuneton.media.probe import MIME_TYPES
from tuneton.server import create_app
from tuneton.settings import Settings


def test_every_operation_documents_429_431_and_503(tmp_path: Path) -> None:
    paths = TestClient(create_app(Settings(data_dir=tmp_path))).get("/openapi.json").json()["paths"]
    operations = [
        (path, method, op) for path, ops in paths.items() if path.startswith("/v1/") for method, op in ops.items()
    ]
    assert len(operations) > 30
    for path, method, operation in operations:
        responses = operation["responses"]
        assert {"429", "431", "503"} <= responses.keys(), (method, path)
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
