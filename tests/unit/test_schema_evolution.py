"""The committed Avro schemas: each parses, and each still reads every released version of itself.

``schemas/avro/<subject>.avsc`` is the current contract; ``schemas/avro/history/<subject>/vN.avsc``
are the released versions, whose data lives forever in the topics. See docs/event-contract.md.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastavro
import pytest

from tuneton.events import topics
from tuneton.events.codec import DEFAULT_SCHEMA_DIR
from tuneton.events.compatibility import backward_problems

HISTORY = DEFAULT_SCHEMA_DIR / "history"
SUBJECTS = sorted(path.stem for path in DEFAULT_SCHEMA_DIR.glob("*.avsc"))
PLAYLIST = f"{topics.PLAYLIST_EVENTS}-value"


class UnreleasedSchemaChange(UserWarning):
    """The current schema differs (compatibly) from its newest snapshot: snapshot it when releasing."""


def current(subject: str) -> Any:
    return json.loads((DEFAULT_SCHEMA_DIR / f"{subject}.avsc").read_text(encoding="utf-8"))


def snapshots(subject: str) -> list[Path]:
    """Released versions of ``subject``, oldest first."""
    return sorted((HISTORY / subject).glob("v*.avsc"), key=lambda path: int(path.stem[1:]))


def test_every_topic_has_a_schema() -> None:
    assert {f"{topic}-value" for topic in topics.ALL_TOPICS} <= set(SUBJECTS)


def test_history_has_no_orphan_subjects() -> None:
    assert {path.name for path in HISTORY.iterdir() if path.is_dir()} <= set(SUBJECTS)


@pytest.mark.parametrize("subject", SUBJECTS)
def test_current_schema_parses(subject: str) -> None:
    fastavro.parse_schema(current(subject))


@pytest.mark.parametrize("subject", SUBJECTS)
def test_snapshots_are_numbered_from_v1_without_gaps(subject: str) -> None:
    numbers = [int(path.stem[1:]) for path in snapshots(subject)]
    assert numbers == list(range(1, len(numbers) + 1)), f"add schemas/avro/history/{subject}/v1.avsc"


@pytest.mark.parametrize(
    ("subject", "snapshot"),
    [(subject, path) for subject in SUBJECTS for path in snapshots(subject)],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_current_schema_reads_every_released_version(subject: str, snapshot: Path) -> None:
    problems = backward_problems(current(subject), json.loads(snapshot.read_text(encoding="utf-8")))
    assert not problems, (
        f"schemas/avro/{subject}.avsc can no longer read data written with {snapshot.name}, which the topic "
        "keeps forever. Add fields with a default, add enum symbols or union branches, never remove or "
        "retype. Problems:\n  " + "\n  ".join(problems)
    )


@pytest.mark.parametrize("subject", SUBJECTS)
def test_newest_snapshot_is_the_current_schema(subject: str) -> None:
    released = snapshots(subject)
    newest = json.loads(released[-1].read_text(encoding="utf-8"))
    if newest == current(subject):
        return
    assert not backward_problems(current(subject), newest)
    warnings.warn(
        f"{subject} changed since {released[-1].name}; when releasing, copy schemas/avro/{subject}.avsc to "
        f"schemas/avro/history/{subject}/v{len(released) + 1}.avsc",
        UnreleasedSchemaChange,
        stacklevel=1,
    )


# --- the checker guards this very contract: mutate the playlist events schema and expect a report ---


def payload_record(schema: Any, name: str) -> Any:
    union = next(f for f in schema["fields"] if f["name"] == "payload")["type"]
    return next(branch for branch in union if branch["name"] == name)


def add_field(record: str, field: dict[str, Any]) -> Callable[[Any], None]:
    return lambda schema: payload_record(schema, record)["fields"].append(field)


def add_visibility(schema: Any) -> None:
    payload_record(schema, "PlaylistCreated")["fields"][3]["type"]["symbols"].append("friends")


def remove_unlisted(schema: Any) -> None:
    payload_record(schema, "PlaylistCreated")["fields"][3]["type"]["symbols"].remove("unlisted")


def add_event(schema: Any) -> None:
    payload = next(f for f in schema["fields"] if f["name"] == "payload")
    payload["type"].append({"type": "record", "name": "PlaylistPinned", "fields": []})


def drop_event(schema: Any) -> None:
    payload = next(f for f in schema["fields"] if f["name"] == "payload")
    payload["type"] = [branch for branch in payload["type"] if branch["name"] != "ItemMoved"]


def retype_rank(schema: Any) -> None:
    next(f for f in payload_record(schema, "TrackAdded")["fields"] if f["name"] == "rank")["type"] = "long"


def require_actor(schema: Any) -> None:
    next(f for f in schema["fields"] if f["name"] == "actor_id").update(type="string", default="")


OPTIONAL_NOTE = {"name": "note", "type": ["null", "string"], "default": None}
REQUIRED_NOTE = {"name": "note", "type": ["null", "string"]}  # the same field with its default removed
VISIBILITY = "enum tuneton.playlist.events.Visibility"

COMPATIBLE: dict[str, Callable[[Any], None]] = {
    "optional field": add_field("TrackAdded", OPTIONAL_NOTE),
    "enum symbol": add_visibility,
    "new event type": add_event,
}
BREAKING: dict[str, tuple[Callable[[Any], None], str]] = {
    "field default removed": (
        add_field("TrackAdded", REQUIRED_NOTE),
        "payload/TrackAdded.note: field is missing",
    ),
    "required field": (
        add_field("PlaylistRenamed", {"name": "why", "type": "string"}),
        "PlaylistRenamed.why",
    ),
    "enum symbol removed": (remove_unlisted, f"payload/PlaylistCreated.visibility: {VISIBILITY} lacks"),
    "event type removed": (drop_event, "payload: reader union has no branch for writer's record"),
    "field retyped": (retype_rank, "payload/TrackAdded.rank: writer's string cannot be read as long"),
    "optional made required": (require_actor, "actor_id: writer's null cannot be read as string"),
}


@pytest.mark.parametrize("mutate", COMPATIBLE.values(), ids=COMPATIBLE.keys())
def test_compatible_changes_to_the_playlist_events_pass(mutate: Callable[[Any], None]) -> None:
    evolved = current(PLAYLIST)
    mutate(evolved)
    assert evolved != current(PLAYLIST)
    assert backward_problems(evolved, current(PLAYLIST)) == []


@pytest.mark.parametrize(("mutate", "expected"), BREAKING.values(), ids=BREAKING.keys())
def test_breaking_changes_to_the_playlist_events_are_caught(mutate: Callable[[Any], None], expected: str) -> None:
    broken = current(PLAYLIST)
    mutate(broken)
    problems = backward_problems(broken, current(PLAYLIST))
    assert any(expected in problem for problem in problems), problems
