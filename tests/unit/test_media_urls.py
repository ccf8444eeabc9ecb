"""Signed media URLs without I/O: signing, verification, rotation, key files, signed HLS playlists."""

from __future__ import annotations

import base64
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from query_api.render_views import sign_playlist
from tuneton.auth.media_urls import (
    MediaKeyFileError,
    MediaUrlError,
    MediaUrlSigner,
    SigningKey,
    load_keys,
    parse_keys,
    render_prefix,
    track_prefix,
)

OLD, NEW = SigningKey("old", b"o" * 32), SigningKey("new", b"n" * 32)
PREFIX = track_prefix("t1")
NOW = 1_800_000_000.0


def params(signer: MediaUrlSigner, user: str | None = "alice", *, prefix: str = PREFIX) -> dict[str, str]:
    query = parse_qs(signer.query(prefix, user, now=NOW))
    return {name: values[0] for name, values in query.items()}


def signer(*keys: SigningKey) -> MediaUrlSigner:
    return MediaUrlSigner(keys or (OLD,), ttl_s=3600, granularity_s=900)


def test_a_signed_url_names_its_user_and_expiry_and_verifies() -> None:
    grant = signer().verify(PREFIX, params(signer()), now=NOW)
    assert (grant.user, grant.expires) == ("alice", 1_800_003_600)
    anonymous = params(signer(), None)
    assert "u" not in anonymous
    assert signer().verify(PREFIX, anonymous, now=NOW).user is None


def test_expiries_are_rounded_up_so_urls_stay_stable() -> None:
    first = signer().query(PREFIX, "alice", now=NOW + 1)
    assert first == signer().query(PREFIX, "alice", now=NOW + 899)
    assert first != signer().query(PREFIX, "alice", now=NOW + 901)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"u": "mallory"}, "bad_signature"),
        ({"u": ""}, "bad_signature"),
        ({"exp": "1800999999"}, "bad_signature"),
        ({"sig": "A" * 43}, "bad_signature"),
        ({"kid": "nope"}, "unknown_key"),
        ({"exp": "soon"}, "malformed_signature"),
        ({"exp": "9" * 13}, "malformed_signature"),
        ({"u": "x" * 129}, "malformed_signature"),
    ],
)
def test_a_tampered_url_is_refused_with_a_reason(change: dict[str, str], reason: str) -> None:
    with pytest.raises(MediaUrlError) as refused:
        signer().verify(PREFIX, {**params(signer()), **change}, now=NOW)
    assert refused.value.reason == reason


def test_a_signature_opens_only_its_own_prefix() -> None:
    with pytest.raises(MediaUrlError, match="does not match"):
        signer().verify(track_prefix("t2"), params(signer()), now=NOW)
    with pytest.raises(MediaUrlError, match="does not match"):
        signer().verify(render_prefix("ab" * 32), params(signer()), now=NOW)


@pytest.mark.parametrize("missing", ["exp", "kid", "sig"])
def test_a_url_missing_a_part_is_malformed(missing: str) -> None:
    partial = {k: v for k, v in params(signer()).items() if k != missing}
    with pytest.raises(MediaUrlError) as refused:
        signer().verify(PREFIX, partial, now=NOW)
    assert refused.value.reason == "malformed_signature"


def test_an_expired_url_is_refused_at_its_expiry_not_before() -> None:
    signed = params(signer())
    expires = int(signed["exp"])
    assert signer().verify(PREFIX, signed, now=expires).expires == expires
    with pytest.raises(MediaUrlError) as refused:
        signer().verify(PREFIX, signed, now=expires + 1)
    assert refused.value.reason == "expired"


def test_rotation_keeps_urls_of_the_old_key_until_it_is_removed() -> None:
    issued = params(signer(OLD))
    rotated = signer(NEW, OLD)
    assert rotated.verify(PREFIX, issued, now=NOW).user == "alice"
    assert params(rotated)["kid"] == "new"
    with pytest.raises(MediaUrlError) as refused:
        signer(NEW).verify(PREFIX, issued, now=NOW)
    assert refused.value.reason == "unknown_key"


def test_sign_appends_to_an_existing_query_and_refuses_foreign_paths() -> None:
    url = signer().sign(f"{PREFIX}audio/stream?v=abc", PREFIX, "alice", now=NOW)
    parts = urlsplit(url)
    assert parts.path == f"{PREFIX}audio/stream"
    assert set(parse_qs(parts.query)) == {"v", "exp", "u", "kid", "sig"}
    with pytest.raises(ValueError, match="not under"):
        signer().sign("/v1/tracks/t2/audio/stream", PREFIX, "alice", now=NOW)


def test_key_files_parse_rotate_and_refuse_weak_or_garbled_keys() -> None:
    secret = base64.urlsafe_b64encode(b"s" * 32).decode()
    keys = parse_keys(f"# comment\n\nk2={secret}\nk1 = {secret.rstrip('=')}\n")
    assert [key.kid for key in keys] == ["k2", "k1"]
    assert keys[1].secret == b"s" * 32
    for text, match in [
        ("", "no keys"),
        (f"bad kid!={secret}", "line 1"),
        ("k1=" + base64.urlsafe_b64encode(b"short").decode(), "at least 32"),
        ("k1=***", "not base64"),
        (secret, "line 1"),
    ]:
        with pytest.raises(MediaKeyFileError, match=match):
            parse_keys(text)


def test_a_missing_default_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "media-url-keys"
    first = load_keys(path, create=True)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keys(path, create=True) == first
    with pytest.raises(FileNotFoundError):
        load_keys(tmp_path / "configured-but-missing", create=False)


def test_playlist_entries_and_the_init_section_carry_the_signature() -> None:
    body = b'#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:0.5,\nseg_00000.m4s\n#EXTINF:0.5,\nseg_00001.m4s?x=1\n'
    assert sign_playlist(body, "exp=9&sig=s") == (
        b'#EXTM3U\n#EXT-X-MAP:URI="init.mp4?exp=9&sig=s"\n#EXTINF:0.5,\nseg_00000.m4s?exp=9&sig=s\n'
        b"#EXTINF:0.5,\nseg_00001.m4s?x=1&exp=9&sig=s\n"
    )
