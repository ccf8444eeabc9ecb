"""Short-lived signed media URLs: what an ``<audio>`` element or an HLS player can fetch without a header.

A player cannot send ``Authorization``, so every media and render URL the API hands out carries a
capability in its query string: ``exp`` (unix seconds), ``u`` (the user it was issued to; absent for
an anonymous caller), ``kid`` (which key signed it) and ``sig`` = HMAC-SHA256 over
``kid, prefix, exp, user``. The *prefix* is a path ending in ``/`` (``/v1/tracks/{id}/``,
``/v1/renders/{asset_key}/files/``): one signature covers every file under it, which is how an HLS
playlist hands its segments on without a signature per segment. The signature proves who the URL was
issued to and until when; *whether* that user may still read the track is checked on every request
(a track made private or removed stops working at once).

Expiries are rounded up to a multiple of ``granularity_s``, so the URLs of one track stay identical
for that long: players and browsers can cache and resume them, and ``immutable`` caching is not
defeated by a new query string on every API call.

Keys come from a file outside the repository (``kid=base64secret`` per line; the first line signs,
every line verifies), so a key can be rotated without breaking URLs already handed out: add the new
key on top, remove the old one after the longest URL lifetime.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

PARAMS = ("exp", "u", "kid", "sig")
_KID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_MAX_USER = 128


class MediaUrlError(Exception):
    """A signed URL that must not be honoured (403); ``reason`` is machine-readable."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class MediaKeyFileError(Exception):
    """The key file cannot be read as ``kid=base64secret`` lines."""


@dataclass(frozen=True)
class SigningKey:
    """One HMAC key and the id that names it in URLs."""

    kid: str
    secret: bytes


@dataclass(frozen=True, kw_only=True)
class Grant:
    """What a valid signature says: the URL was issued to ``user`` (None: anonymous) until ``expires``."""

    user: str | None
    expires: int


def track_prefix(track_id: str) -> str:
    """The signed prefix of a track's covers and audio."""
    return f"/v1/tracks/{track_id}/"


def render_prefix(asset_key: str) -> str:
    """The signed prefix of a render's playlist, init section, segments and MP3."""
    return f"/v1/renders/{asset_key}/files/"


class MediaUrlSigner:
    """Signs and verifies media URL capabilities with a ring of keys (the first one signs)."""

    def __init__(self, keys: Sequence[SigningKey], *, ttl_s: int, granularity_s: int) -> None:
        if not keys:
            msg = "at least one signing key is needed"
            raise ValueError(msg)
        if ttl_s <= 0 or granularity_s <= 0:
            msg = "ttl_s and granularity_s must be positive"
            raise ValueError(msg)
        self._current = keys[0]
        self._keys = {key.kid: key for key in keys}
        self._ttl_s = ttl_s
        self._granularity_s = granularity_s

    def query(self, prefix: str, user: str | None, *, now: float) -> str:
        """The query string (without ``?``) that lets ``user`` fetch anything under ``prefix`` for a while."""
        expires = math.ceil((now + self._ttl_s) / self._granularity_s) * self._granularity_s
        params = {"exp": str(expires), **({"u": user} if user else {}), "kid": self._current.kid}
        params["sig"] = _mac(self._current, prefix, expires, user)
        return urlencode(params)

    def sign(self, url: str, prefix: str, user: str | None, *, now: float) -> str:
        """``url`` (which lies under ``prefix``) with the capability appended to its query string."""
        if not url.startswith(prefix):
            msg = f"{url!r} is not under {prefix!r}"
            raise ValueError(msg)
        return f"{url}{'&' if '?' in url else '?'}{self.query(prefix, user, now=now)}"

    def verify(self, prefix: str, params: Mapping[str, str], *, now: float) -> Grant:
        """Check a request's ``exp``/``u``/``kid``/``sig`` for ``prefix``; raises :class:`MediaUrlError`."""
        raw_exp, kid, sig = params.get("exp"), params.get("kid"), params.get("sig")
        user = params.get("u") or None
        if raw_exp is None or kid is None or sig is None or not raw_exp.isdigit() or len(raw_exp) > 12:
            raise MediaUrlError("malformed_signature", "a signed URL needs exp (unix seconds), kid and sig")
        if user is not None and len(user) > _MAX_USER:
            raise MediaUrlError("malformed_signature", "u is too long")
        key = self._keys.get(kid)
        if key is None:
            raise MediaUrlError("unknown_key", f"no signing key {kid!r} (rotated out?)")
        expires = int(raw_exp)
        if not hmac.compare_digest(_mac(key, prefix, expires, user), sig):
            raise MediaUrlError("bad_signature", "the signature does not match this URL")
        if expires < now:
            raise MediaUrlError("expired", "the signed URL has expired; fetch a fresh one from the API")
        return Grant(user=user, expires=expires)


def _mac(key: SigningKey, prefix: str, expires: int, user: str | None) -> str:
    # Fields are joined by newlines, which none of them may contain (paths and user ids are URL text),
    # so no two different tuples produce the same message.
    message = "\n".join((key.kid, prefix, str(expires), user or "")).encode()
    digest = hmac.new(key.secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def parse_keys(text: str) -> list[SigningKey]:
    """``kid=base64secret`` lines (blank lines and ``#`` comments ignored); the first key signs."""
    keys: list[SigningKey] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kid, sep, encoded = line.partition("=")
        kid = kid.strip()
        if not sep or not _KID.match(kid):
            msg = f"line {number}: expected kid=base64secret with a kid of [A-Za-z0-9_-]{{1,32}}"
            raise MediaKeyFileError(msg)
        try:
            padded = encoded.strip() + "=" * (-len(encoded.strip()) % 4)
            secret = base64.b64decode(padded, altchars=b"-_", validate=True)
        except ValueError:
            msg = f"line {number}: the secret of {kid!r} is not base64"
            raise MediaKeyFileError(msg) from None
        if len(secret) < 32:  # HMAC-SHA256 wants a key of at least its output size
            msg = f"line {number}: the secret of {kid!r} has {len(secret)} bytes; use at least 32"
            raise MediaKeyFileError(msg)
        keys.append(SigningKey(kid, secret))
    if not keys:
        msg = "no keys in the media URL key file"
        raise MediaKeyFileError(msg)
    return keys


def load_keys(path: Path, *, create: bool) -> list[SigningKey]:
    """Read the key file; with ``create``, write one random key first if the file does not exist.

    Creating is for a single embedded process (its own data dir). Several API processes must share
    one file (a mounted secret), or URLs signed by one are refused by the next.
    """
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        line = f"k{secrets.token_hex(4)}={base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()}\n"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process of the same data dir won the race: use its key
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write("# tuneTON media URL signing keys: kid=base64secret; the first line signs\n" + line)
    return parse_keys(path.read_text())
