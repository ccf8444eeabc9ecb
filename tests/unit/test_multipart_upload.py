"""The streaming multipart reader: file bytes pass through in chunks, fields are kept, paths refused."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from commands.multipart import MultipartUpload, UploadError, check_file_name

BOUNDARY = "----tuneton"


def body(*parts: tuple[str, str | None, bytes]) -> bytes:
    out = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
        out += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


async def stream(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def read(data: bytes) -> tuple[bytes, MultipartUpload]:
    upload = MultipartUpload(f"multipart/form-data; boundary={BOUNDARY}", stream(data))
    return b"".join([chunk async for chunk in upload.chunks()]), upload


async def test_the_file_and_the_fields_around_it() -> None:
    audio = bytes(range(256)) * 50
    data, upload = await read(
        body(("visibility", None, b"public"), ("file", "Кино - Звезда.mp3", audio), ("note", None, b"after"))
    )
    assert data == audio
    assert upload.file_name == "Кино - Звезда.mp3"
    assert upload.fields == {"visibility": "public", "note": "after"}


async def test_an_empty_file_part_is_zero_bytes_not_an_error() -> None:
    data, upload = await read(body(("file", "empty.mp3", b"")))
    assert (data, upload.file_name) == (b"", "empty.mp3")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (body(("visibility", None, b"public")), "missing_file"),
        (body(("file", "../../etc/passwd", b"root:x:0:0")), "invalid_file_name"),
        (body(("note", None, b"x" * 5000), ("file", "a.mp3", b"1")), "field_too_large"),
    ],
)
async def test_refusals(data: bytes, reason: str) -> None:
    with pytest.raises(UploadError) as refused:
        await read(data)
    assert refused.value.reason == reason


def test_not_multipart_is_refused() -> None:
    with pytest.raises(UploadError) as refused:
        MultipartUpload("application/octet-stream", stream(b""))
    assert (refused.value.reason, refused.value.status) == ("not_multipart", 415)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..\\..\\boot.ini", "/etc/passwd", "C:\\x.mp3", "a/../b", "x\x00.mp3"]
)
def test_path_like_names_are_refused(name: str) -> None:
    with pytest.raises(UploadError):
        check_file_name(name)


@pytest.mark.parametrize("name", ["song.mp3", "AC-DC..live.mp3", "Кино — Группа крови.flac", "...", "a..b"])
def test_plain_names_pass(name: str) -> None:
    assert check_file_name(name) == name
