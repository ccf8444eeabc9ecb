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
