"""Why an uploaded file was refused, as data: every error carries a stable ``reason`` and details.

The upload endpoint maps the branch to a status code in one place (habit 4); the ``reason`` string is
part of the HTTP contract, so rename a class freely but never change a ``reason``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tuneton.domain.errors import TuneTonError


class MediaError(TuneTonError):
    """The file cannot become a track; nothing may be stored or published for it."""

    reason: ClassVar[str] = "media_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        """The JSON body an API returns for this refusal."""
        return {"reason": self.reason, "message": self.message, **self.details}


class UnsupportedMedia(MediaError):
    """A well-formed file of a kind we do not ingest (maps to 415)."""

    reason = "unsupported_media"


class NotAudio(UnsupportedMedia):
    """The bytes are something else (an image, a document, an archive), whatever the name says."""

    reason = "not_audio"


class UnrecognisedFormat(UnsupportedMedia):
    """No known signature and ffprobe could not make sense of it either."""

    reason = "unrecognised_format"


class UnsupportedCodec(UnsupportedMedia):
    """Audio ffmpeg may decode, but outside the formats we test end to end (e.g. MP2, AC-3, WavPack)."""

    reason = "unsupported_codec"


class UnsupportedContainer(UnsupportedMedia):
    """A container we do not take (Matroska, AVI, ...), or one that carries video."""

    reason = "unsupported_container"


class CorruptMedia(MediaError):
    """It claims to be a supported format but cannot be read as one (maps to 422)."""

    reason = "corrupt_media"


class EmptyMedia(CorruptMedia):
    """Zero bytes."""

    reason = "empty_file"


class TruncatedMedia(CorruptMedia):
    """The headers promise more audio than the file holds (an interrupted copy or upload)."""

    reason = "truncated"


class TagTooLarge(MediaError):
    """A metadata block or field is absurdly large: refused rather than parsed into memory (413)."""

    reason = "tag_too_large"


class MediaTooLarge(MediaError):
    """The upload exceeds the configured size limit (413)."""

    reason = "too_large"


class InvalidCover(MediaError):
    """An image given as cover art is not a decodable image of acceptable size (422)."""

    reason = "invalid_cover"


class MediaToolMissing(TuneTonError):
    """ffprobe/ffmpeg is not installed: an operator problem (500), never the uploader's fault."""

    def __init__(self, tool: str) -> None:
        super().__init__(f"{tool} is not installed; run scripts/install-system.sh")
        self.tool = tool
