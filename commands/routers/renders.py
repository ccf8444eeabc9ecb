"""Render commands: ask for a track re-keyed and/or re-tempoed.

The edge validates the parameters (precise 422s), resolves the track to its stored source and derives
the asset key, a content address of (source bytes, parameters, engine version). The command goes to
the render decider keyed by that asset key, which starts a render, joins one in flight, or answers a
finished one at once (a cache hit); the client follows progress at the returned URLs.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from commands.deps import CommandCall
from commands.dispatch import REJECTION_RESPONSES, dispatch
from tuneton.audio.analysis import Key
from tuneton.audio.engines import get_engine
from tuneton.audio.errors import ParameterError
from tuneton.audio.params import RenderParams, asset_key, parse_params
from tuneton.auth.media_urls import MediaUrlSigner, render_prefix
from tuneton.domain.render.commands import RequestTransform
from tuneton.domain.render.values import Musical, SourceAudio, TransformParams
from tuneton.domain.track.rules import visible_to
from tuneton.domain.track.values import Visibility
from tuneton.ports import ReadStore
from tuneton.web.echo import echo
from tuneton.web.responses import unprocessable

router = APIRouter(prefix="/v1/tracks", tags=["render commands"], responses=REJECTION_RESPONSES)

TrackId = Annotated[str, Path(min_length=1, max_length=128)]
_EXAMPLE = {"semitones": 3, "tempo": 1.25, "formant": False, "quality": "high", "format": "aac-hls"}


class RenderRequested(BaseModel):
    """The render decider took the request: it renders, joins a render in flight, or answers from cache."""

    asset_key: str = Field(description="Content address of the render; the same request always gets the same key.")
    command_id: str
    version: int = Field(description="Render stream version after the request.")
    consistency_token: str = Field(description="Pass to GET status_url to read this request's effect.")
    status_url: str = Field(description="Render status; carries the consistency token, so it never 404s early.")
    events_url: str = Field(description="Server-sent events with the render's progress (token included).")
    entry_url: str = Field(
        description="What a player opens: the HLS playlist (it grows) or the MP3; a signed, short-lived URL."
    )


class ParameterRefused(BaseModel):
    """A render parameter is out of range or of the wrong type."""

    reason: str = "invalid_parameter"
    field: str
    value: Any
    allowed: str
    message: str


@router.post(
    "/{track_id}/renders",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=RenderRequested,
    responses={
        404: {"description": "No such track, or not visible to you (track_not_found)."},
        422: unprocessable(ParameterRefused, "A parameter is out of range (invalid_parameter), or no JSON object."),
    },
)
async def request_render(
    request: Request,
    track_id: TrackId,
    call: CommandCall,
    body: Annotated[dict[str, Any], Body(openapi_examples={"C minor from A minor, faster": {"value": _EXAMPLE}})],
) -> RenderRequested | JSONResponse:
    """Ask for the track with pitch shifted by ``semitones`` (-12..+12, 0.01 steps) and ``tempo`` (0.5..2.0).

    Body keys: ``semitones`` or ``pitch_cents``, ``tempo``, ``formant`` (keep the voice's timbre),
    ``quality`` (``preview`` | ``high``), ``format`` (``aac-hls`` | ``mp3``); all optional.
    """
    try:
        params = parse_params(body)
    except ParameterError as error:
        refused = ParameterRefused(field=error.field, value=echo(error.value), allowed=error.allowed,
                                   message=str(error))  # fmt: skip
        return JSONResponse(refused.model_dump(), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
    found = await _source(request.app.state.read_store, track_id, call.user)
    if found is None:
        body_404 = {"reason": "track_not_found", "message": f"no track {track_id} you can see"}
        return JSONResponse(body_404, status_code=status.HTTP_404_NOT_FOUND)
    source, scope = found
    engine, version = _engine(request.app.state.settings.render_engine)
    key = asset_key(source_sha256=source.sha256, params=params, engine_name=engine, engine_version=version, scope=scope)
    command = RequestTransform(
        asset_key=key, source=source, params=_transform_params(params), engine=engine, engine_version=version
    )
    answer = await dispatch(call, command, aggregate_id=key)
    if isinstance(answer, JSONResponse):
        return answer
    base = f"/v1/renders/{key}"
    entry = "playlist.m3u8" if params.output_format.value == "aac-hls" else "render.mp3"
    signer: MediaUrlSigner = request.app.state.media_urls
    return RenderRequested(
        asset_key=key,
        command_id=answer.command_id,
        version=answer.version,
        consistency_token=answer.consistency_token,
        status_url=f"{base}?consistency={answer.consistency_token}",
        events_url=f"{base}/events?consistency={answer.consistency_token}",
        entry_url=signer.sign(f"{base}/files/{entry}", render_prefix(key), call.user, now=time.time()),
    )


async def _source(store: ReadStore, track_id: str, viewer: str) -> tuple[SourceAudio, str | None] | None:
    """The track's stored original and its render scope, if ``viewer`` may see the track.

    Renders of a public track are shared by everybody who holds the same bytes; a non-public track's
    renders are its own (scope = track id), so a cache hit never tells one listener that another
    holds the same private audio, and the render's visibility is exactly its track's.
    """
    rows = await store.fetch_all(
        "SELECT t.owner_id, t.visibility, t.content_sha256, t.original_json, t.duration_ms, x.bpm, x.key_tonic, "
        "x.key_mode, x.lufs FROM tracks t LEFT JOIN track_analysis x ON x.track_id = t.track_id "
        "WHERE t.track_id = :id",
        {"id": track_id},
    )
    if not rows:
        return None
    row = rows[0]
    if not visible_to(visibility=row["visibility"], owner_id=row["owner_id"], viewer=viewer):
        return None
    original = json.loads(row["original_json"])
    source = SourceAudio(
        track_id=track_id,
        blob_key=original["key"],
        sha256=str(row["content_sha256"]),
        duration_ms=int(row["duration_ms"]),
        musical=_musical(row),
    )
    return source, None if row["visibility"] == Visibility.PUBLIC.value else track_id


def _musical(row: Any) -> Musical | None:
    """The track's analysis at ingest (None when it was not analysed: silence, too short, older tracks)."""
    if row["bpm"] is None:
        return None
    key = Key(tonic=int(row["key_tonic"]), mode=str(row["key_mode"]))
    return Musical(bpm=float(row["bpm"]), key=str(key), lufs=float(row["lufs"]))


@functools.cache
def _engine(name: str) -> tuple[str, str]:
    engine = get_engine(name)
    return engine.name, engine.version


def _transform_params(params: RenderParams) -> TransformParams:
    return TransformParams(
        pitch_cents=params.pitch_cents,
        tempo=params.tempo,
        formant=params.formant,
        quality=params.quality.value,
        output_format=params.output_format.value,
    )
