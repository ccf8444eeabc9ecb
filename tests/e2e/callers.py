"""Who a test request comes from: the one place that knows how a caller proves its identity.

A caller signs in with an access token minted with the product's own signing key (``Product.auth``),
on both runtimes: the distributed runtime has no development header.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import httpx

from tests.e2e.conftest import Product
from tests.media_files import synth, tag_id3


def caller_headers(product: Product, user: str) -> dict[str, str]:
    """Headers that make a request ``user``'s."""
    return product.auth(user)


def client(product: Product, user: str, *, timeout: float = 120) -> httpx.Client:
    """An HTTP client calling the product as ``user``."""
    return httpx.Client(base_url=product.base, headers=caller_headers(product, user), timeout=timeout)


def anonymous(product: Product, *, timeout: float = 60) -> httpx.Client:
    """An HTTP client with no identity."""
    return httpx.Client(base_url=product.base, timeout=timeout)


def uploaded_track(api: httpx.Client, directory: Path, *, visibility: str = "public") -> str:
    """Upload a short tone (unique bytes) as ``api``'s caller; return its id once the read model has it."""
    name = uuid.uuid4().hex[:12]
    path = synth(directory / f"{name}.mp3", seconds=1.0, source="sine=frequency=523")
    tag_id3(path, title=f"tone {name}")
    return upload_and_read(api, path, visibility=visibility)


def upload_and_read(api: httpx.Client, path: Path, *, visibility: str) -> str:
    """Upload ``path`` as a new track; return its id once ``GET /v1/tracks/{id}`` shows it (its token)."""
    with path.open("rb") as fh:
        answer = api.post("/v1/tracks", params={"visibility": visibility}, files={"file": (path.name, fh)})
    assert answer.status_code == 201, answer.text
    track = answer.json()
    read = api.get(f"/v1/tracks/{track['track_id']}", params={"consistency": track["consistency_token"]})
    assert read.status_code == 200, read.text
    return str(track["track_id"])


def track_of(base: str, auth: dict[str, str]) -> str:
    """A fresh public track of the caller ``auth`` signs in: load tests add it to playlists over and over
    (playlists take only tracks their caller can see, and each add is an item of its own)."""
    with httpx.Client(base_url=base, headers=auth, timeout=120) as api:
        return uploaded_track(api, Path(tempfile.mkdtemp(prefix="tuneton-track-")))
