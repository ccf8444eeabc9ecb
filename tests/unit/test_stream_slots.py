"""The per-user stream cap's counting (query_api/stream_slots.py), on a clock the tests move."""

from __future__ import annotations

import pytest

from query_api.stream_slots import Slot, StreamGate, TooManyStreams
from tests.fakes import ManualClock as Clock

TRACK_A, TRACK_B, TRACK_C = "/v1/tracks/a/", "/v1/tracks/b/", "/v1/tracks/c/"
RENDER = "/v1/renders/" + "0" * 64 + "/files/"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def gate(clock: Clock, *, limit: int = 2, linger_s: float = 30.0) -> StreamGate:
    return StreamGate(limit=limit, linger_s=linger_s, clock=clock)


def test_the_stream_beyond_the_limit_is_refused_with_what_a_client_needs(clock: Clock) -> None:
    streams = gate(clock)
    streams.open("alice", TRACK_A)
    streams.open("alice", TRACK_B)
    with pytest.raises(TooManyStreams) as refused:
        streams.open("alice", TRACK_C)
    assert (refused.value.limit, refused.value.active, refused.value.retry_after_s) == (2, 2, 30)
    assert streams.active("alice") == 2


def test_many_ranges_of_one_playback_hold_one_slot(clock: Clock) -> None:
    streams = gate(clock, limit=1)
    ranges = [streams.open("alice", TRACK_A) for _ in range(8)]  # a browser's parallel Range requests
    assert streams.active("alice") == 1
    for body in ranges:
        body.close()
    streams.open("alice", TRACK_A)  # and the next range of the same playback is never refused


def test_a_body_in_flight_holds_its_slot_until_it_ends(clock: Clock) -> None:
    streams = gate(clock, limit=1, linger_s=0)
    body = streams.open("alice", TRACK_A)
    clock.now += 3600  # however long it lasts
    with pytest.raises(TooManyStreams) as refused:
        streams.open("alice", TRACK_B)
    assert refused.value.retry_after_s == 1  # no lease to wait for: the least a client should wait
    body.close()
    streams.open("alice", TRACK_B)


def test_a_finished_stream_lingers_and_retry_after_names_the_first_lease_to_end(clock: Clock) -> None:
    streams = gate(clock, limit=2, linger_s=30)
    streams.open("alice", TRACK_A).close()
    clock.now += 10
    streams.open("alice", TRACK_B).close()
    retry_after = []
    for step in (0, 19.5):
        clock.now += step
        with pytest.raises(TooManyStreams) as refused:
            streams.open("alice", TRACK_C)
        retry_after.append(refused.value.retry_after_s)
    assert retry_after == [20, 1]  # 20 s, then 0.5 s rounded up
    clock.now += 0.5
    streams.open("alice", TRACK_C)  # TRACK_A's lease ended
    assert streams.active("alice") == 2


def test_hls_segments_fetched_one_by_one_keep_one_stream_alive(clock: Clock) -> None:
    streams = gate(clock, limit=1, linger_s=30)
    for _ in range(20):  # a 4-s segment every 4 s: no body is in flight in between
        streams.open("alice", RENDER).close()
        clock.now += 4
        with pytest.raises(TooManyStreams):
            streams.open("alice", TRACK_A)


def test_closing_a_body_twice_ends_it_once(clock: Clock) -> None:
    streams = gate(clock, limit=1, linger_s=0)
    first, second = streams.open("alice", TRACK_A), streams.open("alice", TRACK_A)
    first.close()
    first.close()
    with pytest.raises(TooManyStreams):  # the second range is still being sent
        streams.open("alice", TRACK_B)
    second.close()
    streams.open("alice", TRACK_B)


def test_users_are_counted_apart_and_anonymous_or_unlimited_not_at_all(clock: Clock) -> None:
    streams = gate(clock, limit=1)
    streams.open("alice", TRACK_A)
    streams.open("bob", TRACK_B)
    for track in (TRACK_A, TRACK_B, TRACK_C):
        assert isinstance(streams.open(None, track), Slot)
    unlimited = gate(clock, limit=0)
    for number in range(100):
        unlimited.open("alice", f"/v1/tracks/{number}/")
    assert unlimited.tracked_users() == 0


def test_users_whose_streams_ended_are_forgotten(clock: Clock) -> None:
    streams = gate(clock, limit=1, linger_s=30)
    for number in range(50):
        streams.open(f"user-{number}", TRACK_A).close()
    assert streams.tracked_users() == 50
    clock.now += 31
    streams.open("alice", TRACK_A)
    assert streams.tracked_users() == 1


@pytest.mark.parametrize(("limit", "linger_s"), [(-1, 30.0), (4, -1.0)])
def test_negative_settings_are_refused(clock: Clock, limit: int, linger_s: float) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        StreamGate(limit=limit, linger_s=linger_s, clock=clock)
