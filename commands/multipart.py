"""Stream one file out of a ``multipart/form-data`` body without buffering it.

Starlette's ``request.form()`` writes every file part to a temp file *before* the handler runs and
knows no size limit, so a 10 GB upload would land on disk before we could refuse it. Here the
python-multipart push parser is fed straight from the request stream and the ``file`` part's bytes
are handed on as they arrive: the caller spools them with its own limit and stops reading the moment
the limit is crossed. Small text fields (``visibility``) are collected whether they come before or
after the file.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from tuneton.domain.errors import TuneTonError

FILE_FIELD = "file"
MAX_FIELDS = 16
MAX_FIELD_BYTES = 4096
_TRAVERSAL = re.compile(r"(^|[/\\])\.\.([/\\]|$)")


class UploadError(TuneTonError):
    """The request is not an acceptable upload (nothing was stored); ``reason`` is machine-readable."""

    def __init__(self, reason: str, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        """The JSON body an API returns for this refusal."""
        return {"reason": self.reason, "message": self.message}


def check_file_name(name: str) -> str:
    """Refuse names that try to address a path (``../../etc/passwd``, ``/etc/passwd``, ``C:\\x``).

    Browsers send a bare base name; anything else is a crafted request. The name is never used as a
    path here anyway (keys are content hashes), but refusing it makes the probe visible.
    """
    if _TRAVERSAL.search(name) or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:[/\\]", name):
        raise UploadError("invalid_file_name", "the file name must not be a path", status=422)
    if any(ord(ch) < 32 for ch in name):
        raise UploadError("invalid_file_name", "the file name contains control characters", status=422)
    return name


class MultipartUpload:
    """The ``file`` part of a multipart body as an async byte stream, plus the small fields around it."""

    def __init__(self, content_type: str, body: AsyncIterable[bytes]) -> None:
        kind, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise UploadError("not_multipart", "send the audio as multipart/form-data with a 'file' part", status=415)
        self._body = body
        self._parser = MultipartParser(boundary, self._callbacks())
        self.file_name: str | None = None
        self.fields: dict[str, str] = {}
        self._found_file = False
        self._in_file = False
        self._pending: list[bytes] = []
        self._headers: dict[bytes, bytes] = {}
        self._header = [b"", b""]
        self._part_name = ""
        self._field_value = bytearray()

    async def chunks(self) -> AsyncIterator[bytes]:
        """The file's bytes as they arrive; drains the rest of the body for fields after the file."""
        try:
            async for data in self._body:
                self._parser.write(data)
                pending, self._pending = self._pending, []
                for chunk in pending:
                    yield chunk
            self._parser.finalize()
        except FormParserError:
            raise UploadError("bad_multipart", "the multipart body is malformed") from None
        if not self._found_file:
            raise UploadError("missing_file", "the upload has no 'file' part", status=422)

    def _callbacks(self) -> Any:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._header.__setitem__(0, self._header[0] + data[start:end]),
            "on_header_value": lambda data, start, end: self._header.__setitem__(1, self._header[1] + data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _part_begin(self) -> None:
        self._headers, self._header, self._field_value = {}, [b"", b""], bytearray()

    def _header_end(self) -> None:
        self._headers[self._header[0].lower()] = self._header[1]
        self._header = [b"", b""]

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._part_name = options.get(b"name", b"").decode("utf-8", "replace")
        self._in_file = self._part_name == FILE_FIELD and not self._found_file
        if self._in_file:
            self._found_file = True
            raw = options.get(b"filename")
            self.file_name = check_file_name(raw.decode("utf-8", "replace")) if raw else None
        elif len(self.fields) >= MAX_FIELDS:
            raise UploadError("too_many_fields", f"at most {MAX_FIELDS} form fields")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(bytes(data[start:end]))
            return
        self._field_value.extend(data[start:end])
        if len(self._field_value) > MAX_FIELD_BYTES:
            raise UploadError("field_too_large", f"form field {self._part_name!r} exceeds {MAX_FIELD_BYTES} bytes")

    def _part_end(self) -> None:
        if not self._in_file and self._part_name:
            self.fields[self._part_name] = self._field_value.decode("utf-8", "replace")
        self._in_file = False
