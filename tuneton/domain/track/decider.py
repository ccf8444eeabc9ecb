"""Decide and evolve for the track aggregate: pure functions, no I/O.

Ingest stores the blobs first and only then sends ``RegisterTrack``; a track id is derived from the
content hash and the uploader at the edge, so two racing uploads of the same file meet here and the
second is rejected as ``track_exists`` (which the edge answers as a duplicate, not an error).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from tuneton.domain.context import CommandContext
from tuneton.domain.errors import InvalidValue
from tuneton.domain.track import commands as c
from tuneton.domain.track import events as e
from tuneton.domain.track import rules
from tuneton.domain.track.errors import NotTrackOwner, TrackAlreadyExists, TrackNotFound
from tuneton.domain.track.values import CoverRef, TrackMetadata, Visibility

_PATCHABLE = ("title", "artists", "album", "album_artist", "track_number", "track_total", "disc_number",
              "disc_total", "year", "genre", "isrc")  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Track:
    """A track as folded from its events."""

    owner_id: str
    visibility: Visibility
    content_sha256: str
    metadata: TrackMetadata
    covers: tuple[CoverRef, ...]
    cover_source: str
    removed: bool = False


def decide(state: Track | None, command: c.TrackCommand, ctx: CommandContext) -> list[e.TrackEvent]:
    """Return the events ``command`` causes, or raise a ``DomainError``."""
    if isinstance(command, c.RegisterTrack):
        return [_register(state, command, ctx)]
    track = _changeable(state, command, ctx)
    match command:
        case c.CorrectMetadata():
            metadata = _corrected(track.metadata, command)
            return [] if metadata == track.metadata else [e.MetadataCorrected(metadata=metadata)]
        case c.ReplaceCover():
            rules.check_covers(command.covers)
            unchanged = command.covers == track.covers and command.cover_source == track.cover_source
            return [] if unchanged else [e.CoverReplaced(covers=command.covers, cover_source=command.cover_source)]
        case c.RemoveTrack():
            return [e.TrackRemoved()]


def evolve(state: Track | None, event: e.TrackEvent) -> Track:
    """Fold one event into the state."""
    if isinstance(event, e.TrackIngested):
        return Track(
            owner_id=event.owner_id,
            visibility=event.visibility,
            content_sha256=event.content_sha256,
            metadata=event.metadata,
            covers=event.covers,
            cover_source=event.cover_source,
        )
    if state is None:
        raise TypeError(f"{type(event).__name__} before TrackIngested")
    match event:
        case e.MetadataCorrected():
            return replace(state, metadata=event.metadata)
        case e.CoverReplaced():
            return replace(state, covers=event.covers, cover_source=event.cover_source)
        case e.TrackRemoved():
            return replace(state, removed=True)
        case _:
            raise TypeError(f"unknown track event {type(event).__name__}")


def _register(state: Track | None, command: c.RegisterTrack, ctx: CommandContext) -> e.TrackIngested:
    if state is not None and not state.removed:
        raise TrackAlreadyExists("this track is already registered", track_id=command.track_id)
    rules.check_id(command.track_id, field="track_id")
    rules.check_sha256(command.content_sha256, field="content_sha256")
    rules.check_blob(command.original, field="original")
    if command.original.sha256 != command.content_sha256:
        raise InvalidValue("the original blob must have the track's content hash", field="original")
    rules.check_audio(command.audio)
    rules.check_renditions(command.renditions)
    rules.check_covers(command.covers)
    rules.check_analysis(command.analysis)
    return e.TrackIngested(
        owner_id=ctx.actor_id,
        visibility=rules.check_visibility(command.visibility),
        content_sha256=command.content_sha256,
        original=command.original,
        audio=command.audio,
        renditions=command.renditions,
        covers=command.covers,
        cover_source=command.cover_source,
        metadata=rules.clean_metadata(command.metadata),
        analysis=command.analysis,
    )


def _changeable(
    state: Track | None, command: c.CorrectMetadata | c.ReplaceCover | c.RemoveTrack, ctx: CommandContext
) -> Track:
    if state is None or state.removed:
        raise TrackNotFound("no such track", track_id=command.track_id)
    if state.owner_id != ctx.actor_id and not command.admin:
        raise NotTrackOwner("only the uploader or an admin may change this track", track_id=command.track_id)
    return state


def _corrected(metadata: TrackMetadata, command: c.CorrectMetadata) -> TrackMetadata:
    rules.check_clear(command.clear)
    patch = {name: getattr(command, name) for name in _PATCHABLE if getattr(command, name) is not None}
    both = sorted(set(patch) & set(command.clear))
    if both:
        raise InvalidValue(f"{', '.join(both)} both set and cleared", field="clear")
    return rules.clean_metadata(rules.cleared(replace(metadata, **patch), command.clear))
