"""AvroCodec: every command, event, outcome and dead letter survives the Confluent wire format."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import fastavro
import pytest

from tests.fakes import InMemorySchemaRegistry
from tests.unit.listening_samples import LISTENING_COMMANDS, LISTENING_EVENTS
from tests.unit.render_samples import RENDER_COMMANDS, RENDER_EVENTS
from tests.unit.track_samples import TRACK_COMMANDS, TRACK_EVENTS
from tuneton.domain.playlist import commands as pc
from tuneton.domain.playlist import events as pe
from tuneton.domain.user import commands as uc
from tuneton.domain.user import events as ue
from tuneton.events import topics
from tuneton.events.codec import DEFAULT_SCHEMA_DIR, AvroCodec, load_schema_text
from tuneton.events.envelope import CommandEnvelope, CommandOutcome, DeadLetter, EventEnvelope, OutcomeStatus
from tuneton.events.errors import UndecodableRecord

AT = datetime(2025, 3, 4, 5, 6, 7, 891_000, tzinfo=UTC)
AT_MOSCOW = datetime(2025, 3, 4, 8, 6, 7, 891_000, tzinfo=timezone(timedelta(hours=3)))

COMMANDS: list[tuple[str, Any]] = [
    ("user", uc.RegisterUser(user_id="42", display_name="Анна 🎧", username="anna", language_code="ru")),
    ("user", uc.RegisterUser(user_id="42", display_name="Anna")),
    ("user", uc.UpdateProfile(user_id="42")),
    ("user", uc.UpdateProfile(user_id="42", display_name="夜", username="a", language_code="pt-BR")),
    (
        "playlist",
        pc.CreatePlaylist(playlist_id="p", name="Mix", description="夜の曲", visibility=pc.Visibility.PUBLIC),
    ),
    ("playlist", pc.CreatePlaylist(playlist_id="p", name="Mix")),
    ("playlist", pc.RenamePlaylist(playlist_id="p", name="Новый")),
    ("playlist", pc.DescribePlaylist(playlist_id="p", description="")),
    ("playlist", pc.DeletePlaylist(playlist_id="p")),
    ("playlist", pc.AddTrack(playlist_id="p", item_id="i1", track_id="t1")),
    ("playlist", pc.AddTrack(playlist_id="p", item_id="i2", track_id="t1", after_item_id="i1")),
    ("playlist", pc.RemoveItem(playlist_id="p", item_id="i1")),
    ("playlist", pc.MoveItem(playlist_id="p", item_id="i2")),
    ("playlist", pc.MoveItem(playlist_id="p", item_id="i2", after_item_id="i3")),
    ("playlist", pc.SetVisibility(playlist_id="p", visibility=pc.Visibility.UNLISTED)),
    *TRACK_COMMANDS,
    *RENDER_COMMANDS,
    *LISTENING_COMMANDS,
]

EVENTS: list[tuple[str, Any]] = [
    ("user", ue.UserRegistered(display_name="Анна", username=None, language_code=None)),
    ("user", ue.ProfileUpdated(display_name="Anna 🎧", username="anna", language_code="en-GB")),
    (
        "playlist",
        pe.PlaylistCreated(owner_id="42", name="Mix", description="", visibility=pc.Visibility.PRIVATE),
    ),
    ("playlist", pe.PlaylistRenamed(name="夜の曲")),
    ("playlist", pe.PlaylistDescribed(description="line one\nline two")),
    ("playlist", pe.PlaylistDeleted()),
    ("playlist", pe.TrackAdded(item_id="i1", track_id="t1", rank="a0")),
    ("playlist", pe.ItemRemoved(item_id="i1")),
    ("playlist", pe.ItemMoved(item_id="i2", rank="Zz")),
    ("playlist", pe.VisibilityChanged(visibility=pc.Visibility.PUBLIC)),
    *TRACK_EVENTS,
    *RENDER_EVENTS,
    *LISTENING_EVENTS,
]


@pytest.fixture
def registry() -> InMemorySchemaRegistry:
    return InMemorySchemaRegistry()


@pytest.fixture
async def codec(registry: InMemorySchemaRegistry) -> AvroCodec:
    codec = AvroCodec(registry)
    await codec.start()
    return codec


def command_envelope(aggregate_type: str, command: Any, issued_at: datetime = AT) -> CommandEnvelope:
    return CommandEnvelope(
        command_id="c1",
        aggregate_type=aggregate_type,
        aggregate_id="agg-1",
        actor_id="42",
        issued_at=issued_at,
        correlation_id="corr-1",
        command=command,
    )


def event_envelope(aggregate_type: str, event: Any, occurred_at: datetime = AT) -> EventEnvelope:
    return EventEnvelope(
        event_id="e1",
        aggregate_type=aggregate_type,
        aggregate_id="agg-1",
        aggregate_version=7,
        occurred_at=occurred_at,
        actor_id=None if aggregate_type == "user" else "42",
        correlation_id="corr-1",
        causation_id="c1",
        event=event,
    )


def assert_same(decoded: Any, original: Any) -> None:
    """Equal, and field by field of the same type (a StrEnum equals its plain string, so check types)."""
    assert decoded == original
    for field in dataclasses.fields(original):
        got, want = getattr(decoded, field.name), getattr(original, field.name)
        assert type(got) is type(want), field.name
        if dataclasses.is_dataclass(want):
            assert_same(got, want)


def schema_id_of(data: bytes) -> int:
    assert data[0] == 0
    return int.from_bytes(data[1:5], "big")


def test_samples_cover_every_command_and_event_type() -> None:
    for name, aggregate in topics.AGGREGATES.items():
        assert {type(c) for a, c in COMMANDS if a == name} == set(aggregate.command_types)
        assert {type(e) for a, e in EVENTS if a == name} == set(aggregate.event_types)


@pytest.mark.parametrize(("aggregate_type", "command"), COMMANDS, ids=[type(c).__name__ for _, c in COMMANDS])
async def test_commands_round_trip(
    codec: AvroCodec, registry: InMemorySchemaRegistry, aggregate_type: str, command: Any
) -> None:
    envelope = command_envelope(aggregate_type, command)
    data = codec.encode_command(envelope)
    assert schema_id_of(data) == registry.versions(f"{topics.COMMANDS}-value")[-1]
    assert_same(await codec.decode_command(data), envelope)


@pytest.mark.parametrize(("aggregate_type", "event"), EVENTS, ids=[type(e).__name__ for _, e in EVENTS])
async def test_events_round_trip(
    codec: AvroCodec, registry: InMemorySchemaRegistry, aggregate_type: str, event: Any
) -> None:
    envelope = event_envelope(aggregate_type, event)
    topic = topics.AGGREGATES[aggregate_type].events_topic
    data = codec.encode_event(envelope)
    assert schema_id_of(data) == registry.versions(f"{topic}-value")[-1]
    assert_same(await codec.decode_event(topic, data), envelope)


ACCEPTED = CommandOutcome(
    command_id="c1",
    correlation_id="corr-1",
    aggregate_type="playlist",
    aggregate_id="p",
    status=OutcomeStatus.ACCEPTED,
    aggregate_version=3,
    event_count=2,
    decided_at=AT,
)
REJECTED = dataclasses.replace(
    ACCEPTED,
    status=OutcomeStatus.REJECTED,
    event_count=0,
    reason="item_not_found",
    kind="conflict",
    message="no such item in this playlist",
    details_json=json.dumps({"item_id": "i9"}),
)


@pytest.mark.parametrize("outcome", [ACCEPTED, REJECTED], ids=["accepted", "rejected"])
async def test_outcomes_round_trip(codec: AvroCodec, outcome: CommandOutcome) -> None:
    assert_same(await codec.decode_outcome(codec.encode_outcome(outcome)), outcome)


def dead_letter(key: bytes | None, value: bytes | None) -> DeadLetter:
    return DeadLetter(
        source_topic=topics.PLAYLIST_EVENTS,
        source_partition=3,
        source_offset=2**40,
        processor="projector.playlists",
        error_type="UndecodableRecord",
        error="corrupt Avro body",
        key=key,
        value=value,
        failed_at=AT,
    )


@pytest.mark.parametrize(("key", "value"), [(b"agg-1", bytes(range(256))), (None, None)], ids=["bytes", "null"])
async def test_dead_letters_round_trip(codec: AvroCodec, key: bytes | None, value: bytes | None) -> None:
    letter = dead_letter(key, value)
    assert_same(await codec.decode_deadletter(codec.encode_deadletter(letter)), letter)


async def test_timestamps_keep_the_instant_at_millisecond_precision(codec: AvroCodec) -> None:
    envelope = event_envelope("playlist", pe.PlaylistDeleted(), occurred_at=AT_MOSCOW.replace(microsecond=891_999))
    decoded = await codec.decode_event(topics.PLAYLIST_EVENTS, codec.encode_event(envelope))
    assert decoded.occurred_at == AT
    assert decoded.occurred_at.utcoffset() == timedelta(0)


async def test_naive_timestamps_are_refused(codec: AvroCodec) -> None:
    with pytest.raises(ValueError, match="issued_at"):
        codec.encode_command(command_envelope("user", COMMANDS[1][1], issued_at=AT.replace(tzinfo=None)))


def corrupt_samples(valid: bytes) -> dict[str, bytes | None]:
    return {
        "none": None,
        "empty": b"",
        "header only half": valid[:3],
        "wrong magic": b"\x01" + valid[1:],
        "unknown schema id": b"\x00" + (9999).to_bytes(4, "big") + valid[5:],
        "truncated body": valid[:-4],
        "garbage body": valid[:5] + b"\xff" * 3,
    }


@pytest.mark.parametrize(
    "case",
    [
        "none",
        "empty",
        "header only half",
        "wrong magic",
        "unknown schema id",
        "truncated body",
        "garbage body",
    ],
)
async def test_undecodable_bytes_raise(codec: AvroCodec, case: str) -> None:
    valid = codec.encode_event(event_envelope("playlist", EVENTS[2][1]))
    with pytest.raises(UndecodableRecord):
        await codec.decode_event(topics.PLAYLIST_EVENTS, corrupt_samples(valid)[case])


async def test_a_negative_union_branch_is_undecodable(codec: AvroCodec) -> None:
    """fastavro read branch -1 as the union's last type (Python indexing); the decoder refuses it."""
    renamed = codec.encode_event(event_envelope("playlist", pe.PlaylistRenamed(name="n")))
    assert renamed.endswith(b"\x02n")  # the payload, last: its branch, then the name (length 1, "n")
    negative = renamed[:-3] + b"\x01" + renamed[-2:]  # the branch as the zigzag varint of -1
    schema = json.loads((DEFAULT_SCHEMA_DIR / f"{topics.PLAYLIST_EVENTS}-value.avsc").read_text())
    reader = fastavro.parse_schema(schema)
    assert fastavro.schemaless_reader(io.BytesIO(negative[5:]), reader, None) is not None, "what fastavro did"
    with pytest.raises(UndecodableRecord, match="union"):
        await codec.decode_event(topics.PLAYLIST_EVENTS, negative)


async def test_another_topics_record_is_undecodable(codec: AvroCodec) -> None:
    user_bytes = codec.encode_event(event_envelope("user", EVENTS[0][1]))
    with pytest.raises(UndecodableRecord):
        await codec.decode_event(topics.PLAYLIST_EVENTS, user_bytes)


async def test_a_command_for_an_unknown_aggregate_is_undecodable(codec: AvroCodec) -> None:
    record = {
        **dataclasses.asdict(command_envelope("podcast", None)),
        "command_type": "DeletePlaylist",
        "payload": ("tuneton.playlist.commands.DeletePlaylist", {"playlist_id": "p"}),
    }
    del record["command"]
    with pytest.raises(UndecodableRecord, match="unknown aggregate type"):
        await codec.decode_command(codec.encode(topics.COMMANDS, record))


def written_with(schema_text: str, schema_id: int, record: dict[str, Any]) -> bytes:
    out = io.BytesIO(b"\x00" + schema_id.to_bytes(4, "big"))
    out.seek(5)
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema_text)), record)
    return out.getvalue()


V1_TRACK_ADDED = {
    "event_id": "e1",
    "event_type": "TrackAdded",
    "aggregate_id": "agg-1",
    "aggregate_version": 7,
    "occurred_at": AT,
    "actor_id": "42",
    "correlation_id": "corr-1",
    "causation_id": "c1",
    "payload": ("tuneton.playlist.events.TrackAdded", {"item_id": "i1", "track_id": "t1", "rank": "a0"}),
}
EXPECTED = event_envelope("playlist", pe.TrackAdded(item_id="i1", track_id="t1", rank="a0"))
V1_TEXT = (DEFAULT_SCHEMA_DIR / "history" / f"{topics.PLAYLIST_EVENTS}-value" / "v1.avsc").read_text()


async def test_a_v1_record_decodes_with_the_current_reader(codec: AvroCodec, registry: InMemorySchemaRegistry) -> None:
    v1_id = await registry.register(f"{topics.PLAYLIST_EVENTS}-value", V1_TEXT)
    decoded = await codec.decode_event(topics.PLAYLIST_EVENTS, written_with(V1_TEXT, v1_id, V1_TRACK_ADDED))
    assert_same(decoded, EXPECTED)


async def test_a_v1_record_decodes_after_a_compatible_evolution(tmp_path: Path) -> None:
    """The reader grew a payload field and an enum symbol; v1 bytes still decode (by writer id)."""
    for path in DEFAULT_SCHEMA_DIR.glob("*.avsc"):
        (tmp_path / path.name).write_text(path.read_text())
    schema = json.loads(V1_TEXT)
    payload = next(f for f in schema["fields"] if f["name"] == "payload")["type"]
    track_added = next(r for r in payload if r["name"] == "TrackAdded")
    track_added["fields"].append({"name": "added_via", "type": ["null", "string"], "default": None})
    payload[0]["fields"][3]["type"]["symbols"].append("friends")
    (tmp_path / f"{topics.PLAYLIST_EVENTS}-value.avsc").write_text(json.dumps(schema))
    registry = InMemorySchemaRegistry()
    v1_id = await registry.register(f"{topics.PLAYLIST_EVENTS}-value", V1_TEXT)
    codec = AvroCodec(registry, schema_dir=tmp_path)
    await codec.start()
    assert len(registry.versions(f"{topics.PLAYLIST_EVENTS}-value")) == 2
    decoded = await codec.decode_event(topics.PLAYLIST_EVENTS, written_with(V1_TEXT, v1_id, V1_TRACK_ADDED))
    assert_same(decoded, EXPECTED)


class RestartingRegistry(InMemorySchemaRegistry):
    """A registry that cannot answer the next ``down`` lookups (a restart), then answers again."""

    def __init__(self) -> None:
        super().__init__()
        self.down = 0
        self.lookups = 0

    async def schema_by_id(self, schema_id: int) -> str:
        self.lookups += 1
        if self.down:
            self.down -= 1
            raise ConnectionError("registry restarting")
        return await super().schema_by_id(schema_id)


async def test_a_registry_restart_delays_decoding_instead_of_making_records_poison() -> None:
    """While the registry cannot answer, the lookup is retried (not cached as a failure, not poison)."""
    registry = RestartingRegistry()
    reader = AvroCodec(registry, retry_max_s=0.01)
    await reader.start()
    newer = json.loads(V1_TEXT)  # a writer from a newer release: an id this reader has not seen
    newer["fields"].append({"name": "trace_id", "type": ["null", "string"], "default": None})
    newer_text = json.dumps(newer)
    newer_id = await registry.register(f"{topics.PLAYLIST_EVENTS}-value", newer_text)
    registry.down, registry.lookups = 3, 0
    data = written_with(newer_text, newer_id, {**V1_TRACK_ADDED, "trace_id": "t"})
    assert_same(await reader.decode_event(topics.PLAYLIST_EVENTS, data), EXPECTED)
    assert registry.lookups == 4


async def test_an_id_the_registry_never_issued_is_poison_at_once() -> None:
    registry = RestartingRegistry()
    codec = AvroCodec(registry)
    await codec.start()
    valid = codec.encode_event(event_envelope("playlist", EVENTS[2][1]))
    registry.lookups = 0
    with pytest.raises(UndecodableRecord, match="unknown schema id 9999"):
        await codec.decode_event(topics.PLAYLIST_EVENTS, corrupt_samples(valid)["unknown schema id"])
    assert registry.lookups == 1


def _every_sample(codec: AvroCodec) -> list[bytes]:
    """The wire bytes of every sample: each command and event type, both outcomes, a dead letter."""
    letter = dead_letter(b"agg-1", bytes(range(256)))
    return [
        *(codec.encode_command(command_envelope(a, c)) for a, c in COMMANDS),
        *(codec.encode_event(event_envelope(a, e)) for a, e in EVENTS),
        codec.encode_outcome(ACCEPTED),
        codec.encode_outcome(REJECTED),
        codec.encode_deadletter(letter),
    ]


async def test_every_record_is_written_byte_for_byte_as_fastavro_the_reference_writes_it(
    codec: AvroCodec, registry: InMemorySchemaRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The codec writes with cavro (twice as fast); fastavro is the reference implementation. The same
    record dict must give the same bytes, or a consumer of the topics could read a different value."""
    written: list[tuple[str, dict[str, Any], bytes]] = []
    encode = codec.encode

    def capturing(topic: str, record: dict[str, Any]) -> bytes:
        data = encode(topic, record)
        written.append((topic, record, data))
        return data

    monkeypatch.setattr(codec, "encode", capturing)
    assert len(_every_sample(codec)) == len(written) == len(COMMANDS) + len(EVENTS) + 3
    for topic, record, data in written:
        assert data == written_with(load_schema_text(topic), schema_id_of(data), record), record
