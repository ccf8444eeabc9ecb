"""Fractional order keys: always strictly between their neighbours, short for the common cases."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuneton.domain.playlist.ordering import DIGITS, FIRST_KEY, key_between, keys_between


def assert_strictly_ordered(keys: list[str]) -> None:
    assert all(a < b for a, b in itertools.pairwise(keys)), "keys out of order"


def insert_at(keys: list[str], index: int) -> str:
    """Insert a key at ``index`` the way the decider does, from the neighbours only."""
    key = key_between(keys[index - 1] if index > 0 else None, keys[index] if index < len(keys) else None)
    keys.insert(index, key)
    return key


def test_the_first_key() -> None:
    assert key_between(None, None) == FIRST_KEY == "a0"


def test_ten_thousand_appends_stay_at_four_characters() -> None:
    keys: list[str] = []
    for _ in range(10_000):
        insert_at(keys, len(keys))
    assert_strictly_ordered(keys)
    assert max(map(len, keys)) <= 4


def test_ten_thousand_prepends_stay_at_four_characters() -> None:
    keys: list[str] = []
    for _ in range(10_000):
        insert_at(keys, 0)
    assert_strictly_ordered(keys)
    assert max(map(len, keys)) <= 4


@pytest.mark.parametrize("seed", range(5))
def test_random_inserts_and_moves_keep_keys_ordered_and_short(seed: int) -> None:
    rng = random.Random(seed)
    keys: list[str] = []
    for _ in range(3_000):
        if keys and rng.random() < 0.4:  # a move: take a key out, insert a new one elsewhere
            keys.pop(rng.randrange(len(keys)))
        insert_at(keys, rng.randint(0, len(keys)))
    assert_strictly_ordered(keys)
    assert len(set(keys)) == len(keys)
    assert max(map(len, keys)) <= 8


@pytest.mark.parametrize("index", [0, 1, -1], ids=["top", "just after the first", "just before the last"])
def test_hammering_one_gap_keeps_order(index: int) -> None:
    keys = ["a0", "a1", "a2"]
    for _ in range(500):
        insert_at(keys, index if index >= 0 else len(keys) - 1)
    assert_strictly_ordered(keys)
    assert all(ch in DIGITS for key in keys for ch in key)


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("a0", "a1"),
        ("a0", "a0V"),
        ("a0V", "a1"),
        ("Zz", "a0"),
        ("az", "b00"),
        ("a0", "b00"),
        ("a0zzzz", "a1"),
    ],
)
def test_between_neighbours(lower: str, upper: str) -> None:
    key = key_between(lower, upper)
    assert lower < key < upper
    assert key_between(lower, key) < key < key_between(key, upper)


@pytest.mark.parametrize("key", ["", "a", "b0", "a00", "a0V0", "!0", "a0 ", "a0é", "0a", "A" + "0" * 26])
def test_invalid_keys_are_rejected(key: str) -> None:
    with pytest.raises(ValueError, match=r"invalid order key|reserved"):
        key_between(key, None)
    with pytest.raises(ValueError, match=r"invalid order key|reserved"):
        key_between(None, key)


@pytest.mark.parametrize(("lower", "upper"), [("a1", "a0"), ("a0", "a0"), ("b00", "az")])
def test_bounds_out_of_order_are_rejected(lower: str, upper: str) -> None:
    with pytest.raises(ValueError, match="is not below"):
        key_between(lower, upper)


def _bound_keys(draw: st.DrawFn) -> tuple[str | None, str | None]:
    """Two bounds of a gap as the decider meets them: keys of a list grown by random inserts."""
    keys: list[str] = []
    for index in draw(st.lists(st.integers(0, 10_000), min_size=2, max_size=60)):
        insert_at(keys, index % (len(keys) + 1))
    at = draw(st.integers(0, len(keys)))
    lower = keys[at - 1] if at > 0 else None
    upper = keys[at] if at < len(keys) else None
    return lower, upper


@given(bounds=st.composite(_bound_keys)(), count=st.integers(0, 3_000))
def test_keys_between_are_ascending_strictly_inside_their_bounds_and_short(
    bounds: tuple[str | None, str | None], count: int
) -> None:
    lower, upper = bounds
    keys = keys_between(lower, upper, count)
    assert len(keys) == count
    assert_strictly_ordered([k for k in (lower, *keys, upper) if k is not None])
    longest_bound = max((len(k) for k in (lower, upper) if k is not None), default=2)
    assert all(len(k) <= longest_bound + 3 for k in keys)  # 3,000 keys: log62 of 3,000 is under 2


def test_ten_thousand_keys_between_neighbours_stay_at_five_characters_where_one_by_one_reach_1669() -> None:
    keys = keys_between("a0", "a1", 10_000)
    assert_strictly_ordered(["a0", *keys, "a1"])
    assert max(map(len, keys)) <= 5
    one_by_one: list[str] = ["a0", "a1"]
    for _ in range(10_000):
        insert_at(one_by_one, 1)  # each new key just after the first, as "add after this item" does
    assert max(map(len, one_by_one)) == 1669


def test_keys_towards_an_open_end_step_the_integer_part() -> None:
    assert keys_between("a0", None, 3) == ["a1", "a2", "a3"]
    assert keys_between(None, "a0", 3) == ["Zx", "Zy", "Zz"]
    assert keys_between(None, None, 2) == ["a0", "a1"]
