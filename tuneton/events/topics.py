"""The topic catalogue: one place that names every topic, its partition count, and which aggregate owns
which stream. The embedded log's topics, the Faust worker's tables and internal topics, and the
decider's aggregate hosting are derived from it; ``tests/unit/test_topic_catalogue.py`` holds it to
``infra/kafka/topics.yaml``, which operators apply to a cluster."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from tuneton.domain.context import CommandContext
from tuneton.domain.listening import commands as listening_commands
from tuneton.domain.listening import decider as listening_decider
from tuneton.domain.listening import events as listening_events
from tuneton.domain.playlist import commands as playlist_commands
from tuneton.domain.playlist import decider as playlist_decider
from tuneton.domain.playlist import events as playlist_events
from tuneton.domain.render import commands as render_commands
from tuneton.domain.render import decider as render_decider
from tuneton.domain.render import events as render_events
from tuneton.domain.track import commands as track_commands
from tuneton.domain.track import decider as track_decider
from tuneton.domain.track import events as track_events
from tuneton.domain.user import commands as user_commands
from tuneton.domain.user import decider as user_decider
from tuneton.domain.user import events as user_events

COMMANDS = "tuneton.commands"
OUTCOMES = "tuneton.command.outcomes"
USER_EVENTS = "tuneton.user.events"
PLAYLIST_EVENTS = "tuneton.playlist.events"
TRACK_EVENTS = "tuneton.track.events"
RENDER_EVENTS = "tuneton.render.events"
LISTENING_EVENTS = "tuneton.listening.events"
DEADLETTER = "tuneton.deadletter"


@dataclass(frozen=True, kw_only=True)
class AggregateType:
    """Everything the generic decider needs to host one aggregate type."""

    name: str
    events_topic: str
    namespace: str
    command_types: tuple[type[Any], ...]
    event_types: tuple[type[Any], ...]
    decide: Callable[[Any, Any, CommandContext], Sequence[Any]]  # (state | None, command, ctx) -> events
    evolve: Callable[[Any, Any], Any]  # (state | None, event) -> state


USER = AggregateType(
    name="user",
    events_topic=USER_EVENTS,
    namespace="tuneton.user",
    command_types=(user_commands.RegisterUser, user_commands.UpdateProfile),
    event_types=(user_events.UserRegistered, user_events.ProfileUpdated),
    decide=user_decider.decide,
    evolve=user_decider.evolve,
)

PLAYLIST = AggregateType(
    name="playlist",
    events_topic=PLAYLIST_EVENTS,
    namespace="tuneton.playlist",
    command_types=(
        playlist_commands.CreatePlaylist,
        playlist_commands.RenamePlaylist,
        playlist_commands.DescribePlaylist,
        playlist_commands.DeletePlaylist,
        playlist_commands.AddTrack,
        playlist_commands.RemoveItem,
        playlist_commands.MoveItem,
        playlist_commands.SetVisibility,
    ),
    event_types=(
        playlist_events.PlaylistCreated,
        playlist_events.PlaylistRenamed,
        playlist_events.PlaylistDescribed,
        playlist_events.PlaylistDeleted,
        playlist_events.TrackAdded,
        playlist_events.ItemRemoved,
        playlist_events.ItemMoved,
        playlist_events.VisibilityChanged,
    ),
    decide=playlist_decider.decide,
    evolve=playlist_decider.evolve,
)

TRACK = AggregateType(
    name="track",
    events_topic=TRACK_EVENTS,
    namespace="tuneton.track",
    command_types=(
        track_commands.RegisterTrack,
        track_commands.CorrectMetadata,
        track_commands.ReplaceCover,
        track_commands.RemoveTrack,
    ),
    event_types=(
        track_events.TrackIngested,
        track_events.MetadataCorrected,
        track_events.CoverReplaced,
        track_events.TrackRemoved,
    ),
    decide=track_decider.decide,
    evolve=track_decider.evolve,
)

RENDER = AggregateType(
    name="render",
    events_topic=RENDER_EVENTS,
    namespace="tuneton.render",
    command_types=(
        render_commands.RequestTransform,
        render_commands.RecordRenderProgress,
        render_commands.CompleteRender,
        render_commands.FailRender,
    ),
    event_types=(
        render_events.TransformRequested,
        render_events.RenderProgressed,
        render_events.AssetRendered,
        render_events.RenderFailed,
    ),
    decide=render_decider.decide,
    evolve=render_decider.evolve,
)

# One session per listener (aggregate id = user id): the queue, what plays where, and the history.
LISTENING = AggregateType(
    name="listening",
    events_topic=LISTENING_EVENTS,
    namespace="tuneton.listening",
    command_types=listening_commands.COMMAND_TYPES,
    event_types=listening_events.EVENT_TYPES,
    decide=listening_decider.decide,
    evolve=listening_decider.evolve,
)

AGGREGATES: dict[str, AggregateType] = {a.name: a for a in (USER, PLAYLIST, TRACK, RENDER, LISTENING)}
EVENT_TOPICS: tuple[str, ...] = (USER_EVENTS, PLAYLIST_EVENTS, TRACK_EVENTS, RENDER_EVENTS, LISTENING_EVENTS)
ALL_TOPICS: tuple[str, ...] = (
    COMMANDS,
    OUTCOMES,
    USER_EVENTS,
    PLAYLIST_EVENTS,
    TRACK_EVENTS,
    RENDER_EVENTS,
    LISTENING_EVENTS,
    DEADLETTER,
)

# Keyed streams: 6 partitions (per-aggregate order; up to 6 consumers per group). The dead-letter
# topic: 1, read by people in arrival order. The decider's state tables are co-partitioned with
# ``COMMANDS`` (same key, same partitioner, same count), so they take its count.
KEYED_PARTITIONS = 6
PARTITIONS: dict[str, int] = {topic: 1 if topic == DEADLETTER else KEYED_PARTITIONS for topic in ALL_TOPICS}


def aggregate_of_command(command: object) -> AggregateType:
    """Find the aggregate type that handles ``command``."""
    for aggregate in AGGREGATES.values():
        if isinstance(command, aggregate.command_types):
            return aggregate
    raise TypeError(f"no aggregate handles {type(command).__name__}")
