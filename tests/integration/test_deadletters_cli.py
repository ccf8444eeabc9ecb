"""``tuneton deadletters list|replay`` on the embedded runtime: the filter picks exactly the letters
asked for, and a replay puts the parked bytes back on their source topic under the same key."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tuneton.bootstrap import build_runtime
from tuneton.cli import main
from tuneton.events import topics
from tuneton.events.deadletters import REPLAY_HEADER, DeadLetterFilter, replay_record
from tuneton.events.envelope import DeadLetter
from tuneton.ports import OutgoingRecord
from tuneton.settings import Settings

AT = datetime(2026, 1, 1, tzinfo=UTC)


def letter(topic: str, offset: int, error_type: str, key: str, value: bytes | None = b"bytes") -> DeadLetter:
    return DeadLetter(source_topic=topic, source_partition=offset % 6, source_offset=offset, processor="p",
                      error_type=error_type, error="boom", key=key.encode(), value=value, failed_at=AT)  # fmt: skip


LETTERS = [
    letter(topics.PLAYLIST_EVENTS, 5, "UndecodableRecord", "a", b"\x00garbage-a"),
    letter(topics.TRACK_EVENTS, 7, "ValueError", "b"),
    letter(topics.PLAYLIST_EVENTS, 9, "UndecodableRecord", "c"),
]


@pytest.mark.parametrize(
    ("wanted", "expected"),
    [
        (DeadLetterFilter(), [5, 7, 9]),
        (DeadLetterFilter(topic=topics.PLAYLIST_EVENTS), [5, 9]),
        (DeadLetterFilter(error_type="ValueError"), [7]),
        (DeadLetterFilter(from_offset=6, to_offset=9), [7, 9]),
        (DeadLetterFilter(partition=3), [9]),
        (DeadLetterFilter(key="a", error_type="UndecodableRecord"), [5]),
        (DeadLetterFilter(processor="other"), []),
    ],
)
def test_the_filter_matches_every_given_field(wanted: DeadLetterFilter, expected: list[int]) -> None:
    assert [d.source_offset for d in LETTERS if wanted.matches(d)] == expected


def test_a_letter_without_a_value_cannot_be_replayed() -> None:
    with pytest.raises(ValueError, match="nothing to replay"):
        replay_record(letter(topics.TRACK_EVENTS, 1, "X", "k", value=None))


async def _park(data: Path) -> None:
    rt = build_runtime(Settings(data_dir=data))
    await rt.start()
    try:
        parked = [rt.codec.encode_deadletter(d) for d in LETTERS]
        await rt.event_log.append([OutgoingRecord(topic=topics.DEADLETTER, key=d.key, value=v)
                                   for d, v in zip(LETTERS, parked, strict=True)])  # fmt: skip
    finally:
        await rt.close()


async def _records(data: Path, topic: str) -> list[tuple[bytes | None, bytes | None, tuple[tuple[str, bytes], ...]]]:
    rt = build_runtime(Settings(data_dir=data))
    await rt.event_log.start()
    try:
        subscription = await rt.event_log.subscribe([topic], group=None)
        records = await subscription.poll(wait_s=0.5)
        await subscription.close()
        return [(r.key, r.value, tuple(r.headers)) for r in records]
    finally:
        await rt.event_log.close()


def test_list_and_replay_pick_exactly_the_filtered_letters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TUNETON_CONFIG", "/nonexistent/tuneton.toml")
    monkeypatch.delenv("TUNETON_RUNTIME", raising=False)
    data = tmp_path / "data"
    asyncio.run(_park(data))

    assert main(["--data-dir", str(data), "deadletters", "list", "--error-type", "UndecodableRecord"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [d["source"] for d in listed] == [f"{topics.PLAYLIST_EVENTS}:5@5", f"{topics.PLAYLIST_EVENTS}:3@9"]

    replay = ["--data-dir", str(data), "deadletters", "replay", "--topic", topics.PLAYLIST_EVENTS, "--key", "a"]
    assert main([*replay, "--dry-run"]) == 0
    assert asyncio.run(_records(data, topics.PLAYLIST_EVENTS)) == [], "a dry run appends nothing"
    capsys.readouterr()
    assert main(replay) == 0
    assert [json.loads(line)["replay"] for line in capsys.readouterr().out.splitlines()] == ["replayed"]
    header = (REPLAY_HEADER, f"{topics.PLAYLIST_EVENTS}:5@5".encode())
    assert asyncio.run(_records(data, topics.PLAYLIST_EVENTS)) == [(b"a", b"\x00garbage-a", (header,))]
