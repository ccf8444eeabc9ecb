"""Offsets are released (committed / acked) in order, never past a render still running."""

from __future__ import annotations

from processors.render import InOrderRelease


def test_nothing_is_released_past_an_unfinished_record() -> None:
    order: InOrderRelease[int] = InOrderRelease()
    for offset in (5, 6, 7):
        order.add("t", 0, offset, offset)
    assert order.done("t", 0, 6) == []
    assert order.done("t", 0, 7) == []
    assert order.pending == 3
    assert order.done("t", 0, 5) == [5, 6, 7]
    assert order.pending == 0


def test_partitions_are_independent() -> None:
    order: InOrderRelease[str] = InOrderRelease()
    order.add("t", 0, 1, "a")
    order.add("t", 1, 1, "b")
    assert order.done("t", 1, 1) == ["b"]
    assert order.done("t", 0, 1) == ["a"]


def test_unknown_records_release_nothing() -> None:
    order: InOrderRelease[int] = InOrderRelease()
    order.add("t", 0, 1, 1)
    assert order.done("t", 0, 9) == []
    assert order.done("t", 3, 1) == []
    assert order.pending == 1


def test_a_record_delivered_twice_is_released_once_each_copy_is_done() -> None:
    """A consumer that seeks back redelivers what it already handed over (Faust, at each assignment)."""
    order: InOrderRelease[str] = InOrderRelease()
    for copy in ("a", "b"):  # request 1 and the progress event 2 behind it, delivered twice
        order.add("t", 0, 1, f"1{copy}")
        order.add("t", 0, 2, f"2{copy}")
    assert order.done("t", 0, 2) == []  # each progress event is done as soon as it is taken
    assert order.done("t", 0, 2) == []
    assert order.done("t", 0, 1) == ["1a", "2a"]  # both copies of the render finish ...
    assert order.done("t", 0, 1) == ["1b", "2b"]  # ... and every copy is released
    assert order.pending == 0
