"""Track commands: upload (ingest), correct metadata, replace the cover, remove.

Uploads are ``multipart/form-data`` with one ``file`` part, read as a stream (commands/multipart.py)
and spooled with the size limit; ``visibility`` comes as a query parameter or a form field.
Refusals are mapped to statuses in one place (commands/errors.py).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from fastapi.responses import JSONResponse

from commands.cover_upload import read_limited, replace_cover
from commands.deps import BlobsDep, ClaimsDep, CommandCall, CommandId, CurrentUser, IngestDep
from commands.dispatch import REJECTION_RESPONSES, dispatch, verdict
from commands.multipart import MultipartUpload
from commands.schemas import CommandAccepted, TrackMetadataPatch, TrackUploaded, UploadRefused
from tuneton.auth.http import holds_admin
from tuneton.domain.track import commands as c
from tuneton.domain.track.values import Visibility
from tuneton.media.errors import MediaTooLarge
from tuneton.web.responses import unprocessable

router = APIRouter(prefix="/v1/tracks", tags=["track commands"], responses=REJECTION_RESPONSES)

TrackId = Annotated[str, Path(min_length=1, max_length=128)]
Accepted = CommandAccepted | JSONResponse
MULTIPART_SLACK = 64 * 1024  # boundaries, part headers and small fields around the file
_REFUSALS: dict[int | str, dict[str, Any]] = {
    code: {"model": UploadRefused, "description": text}
    for code, text in {
        400: "Malformed request (no multipart body, bad form).",
        413: "Upload or tags too large (too_large, tag_too_large).",
        415: "Not audio, or a format we do not take (not_audio, unsupported_codec, ...).",
    }.items()
}
_REFUSALS[422] = unprocessable(
    UploadRefused, "Broken file or bad field (empty_file, truncated, corrupt_media, invalid_file_name, ...)."
)
# Routes that stream their body to disk under their own limit (upload_max_bytes), not the JSON body limit.
STREAMED_BODIES = (("POST", re.compile(r"/v1/tracks/?")), ("PUT", re.compile(r"/v1/tracks/[^/]+/cover/?")))
_UPLOAD_BODY = {
    "requestBody": {
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}, "visibility": {"type": "string"}},
                    "required": ["file"],
                }
            }
        },
        "required": True,
    }
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=TrackUploaded,
    responses={200: {"model": TrackUploaded, "description": "Duplicate: the existing track."}, **_REFUSALS},
    openapi_extra=_UPLOAD_BODY,
)
async def upload_track(
    request: Request,
    ingest: IngestDep,
    user: CurrentUser,
    command_id: CommandId,
    visibility: Annotated[Visibility | None, Query(description="private (default), unlisted or public")] = None,
) -> TrackUploaded | JSONResponse:
    """Upload an audio file; it is sniffed, probed, tagged, rendered for streaming and registered."""
    limit = request.app.state.settings.upload_max_bytes
    declared = int(request.headers.get("content-length") or 0)
    if declared > limit + MULTIPART_SLACK:
        raise MediaTooLarge(f"the upload exceeds {limit} bytes", limit=limit)
    upload = MultipartUpload(request.headers.get("content-type", ""), request.stream())
    result = await ingest.ingest(
        upload, uploader=user, command_id=command_id, visibility=visibility.value if visibility else None
    )
    if result.duplicate or result.outcome is None:
        body = TrackUploaded(track_id=result.track_id, duplicate=True, title=result.title)
        return JSONResponse(body.model_dump(), status_code=status.HTTP_200_OK)
    accepted = verdict(result.outcome)
    assert isinstance(accepted, CommandAccepted)
    return TrackUploaded(
        track_id=result.track_id,
        duplicate=False,
        title=result.title,
        command_id=accepted.command_id,
        version=accepted.version,
        consistency_token=accepted.consistency_token,
    )


@router.patch("/{track_id}", response_model=CommandAccepted)
async def correct_metadata(
    request: Request, track_id: TrackId, body: TrackMetadataPatch, call: CommandCall
) -> Accepted:
    """Correct the track's metadata (owner or admin); no event when nothing changes."""
    admin = holds_admin(request, call.user)
    fields = body.model_dump(exclude={"artists", "clear"})
    artists = tuple(body.artists) if body.artists is not None else None
    command = c.CorrectMetadata(track_id=track_id, artists=artists, clear=tuple(body.clear), admin=admin, **fields)
    return await dispatch(call, command, aggregate_id=track_id)


@router.put("/{track_id}/cover", response_model=CommandAccepted, responses=_REFUSALS, openapi_extra=_UPLOAD_BODY)
async def upload_cover(
    request: Request, track_id: TrackId, call: CommandCall, blobs: BlobsDep, claims: ClaimsDep
) -> Accepted:
    """Replace the cover with an uploaded image (JPEG, PNG, WebP, ...), rendered at the fixed sizes."""
    upload = MultipartUpload(request.headers.get("content-type", ""), request.stream())
    image = await read_limited(upload.chunks())
    admin = holds_admin(request, call.user)
    outcome = await replace_cover(image, track_id=track_id, call=call, admin=admin, blobs=blobs, claims=claims)
    return verdict(outcome)


@router.delete("/{track_id}", response_model=CommandAccepted)
async def remove_track(request: Request, track_id: TrackId, call: CommandCall) -> Accepted:
    """Remove the track from the catalog (owner or admin)."""
    command = c.RemoveTrack(track_id=track_id, admin=holds_admin(request, call.user))
    return await dispatch(call, command, aggregate_id=track_id)
