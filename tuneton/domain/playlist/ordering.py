"""Order keys for playlist items: a move or insert writes one key and never renumbers the list.

Fractional indexing (after David Greenspan's "Implementing Fractional Indexing", as used by Figma and
rocicorp's ``fractional-indexing``). A key is a variable-length *integer part* (a head letter giving
its digit count, then base-62 digits) followed by an optional *fraction*. Appending increments the
integer part, so 10,000 appends stay at 4 characters; inserting between neighbours takes the midpoint
of their fractions. Keys compare correctly as plain byte strings (SQL ``COLLATE "C"``/``BINARY``).

Written by hand on purpose: the domain may import the standard library only, and the PyPI port is
one unmaintained module.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE = len(DIGITS)
_SMALLEST_INTEGER = "A" + "0" * 26
FIRST_KEY = "a0"


def key_between(lower: str | None, upper: str | None) -> str:
    """Return a key sorting strictly after ``lower`` and before ``upper`` (``None`` = open end)."""
    if lower is not None:
        _validate(lower)
    if upper is not None:
        _validate(upper)
    if lower is not None and upper is not None and lower >= upper:
        raise ValueError(f"{lower!r} is not below {upper!r}")
    if lower is None:
        return FIRST_KEY if upper is None else _key_before(upper)
    if upper is None:
        integer = _integer_part(lower)
        bigger = _increment(integer)
        return integer + _midpoint(lower[len(integer) :], None) if bigger is None else bigger
    integer_lo, integer_hi = _integer_part(lower), _integer_part(upper)
    if integer_lo == integer_hi:
        return integer_lo + _midpoint(lower[len(integer_lo) :], upper[len(integer_hi) :])
    bigger = _increment(integer_lo)
    if bigger is not None and bigger < upper:
        return bigger
    return integer_lo + _midpoint(lower[len(integer_lo) :], None)


def keys_between(lower: str | None, upper: str | None, count: int) -> list[str]:
    """``count`` ascending keys strictly between ``lower`` and ``upper`` (``None`` = open end), short.

    Each next key between the previous one and a fixed ``upper`` would add a character every six keys
    or so; splitting at the midpoint and recursing into both halves (as rocicorp's
    ``generateNKeysBetween`` does) adds only about one character per 62-fold ``count``. Towards an
    open end the keys step the integer part, which stays short by itself.
    """
    if count <= 0:
        return []
    if upper is None or (lower is None and count > 1):
        keys = [key_between(lower, upper)]
        while len(keys) < count:  # away from the closed end, one integer step at a time
            keys.append(key_between(keys[-1], None) if upper is None else key_between(None, keys[-1]))
        return keys if upper is None else keys[::-1]
    middle = key_between(lower, upper)
    below = (count - 1) // 2
    return [*keys_between(lower, middle, below), middle, *keys_between(middle, upper, count - 1 - below)]


def _key_before(upper: str) -> str:
    integer = _integer_part(upper)
    fraction = upper[len(integer) :]
    if integer == _SMALLEST_INTEGER:
        return integer + _midpoint("", fraction)
    if integer < upper:
        return integer
    smaller = _decrement(integer)
    if smaller is None:
        raise ValueError("no key below the smallest integer")
    return smaller


def _midpoint(lower: str, upper: str | None) -> str:
    """Midpoint of two fractions, ``lower < upper``; neither may end in the zero digit."""
    if upper is not None:
        common = 0
        while common < len(upper) and (lower[common] if common < len(lower) else "0") == upper[common]:
            common += 1
        if common > 0:
            return upper[:common] + _midpoint(lower[common:], upper[common:])
    digit_lo = DIGITS.index(lower[0]) if lower else 0
    digit_hi = DIGITS.index(upper[0]) if upper else _BASE
    if digit_hi - digit_lo > 1:
        return DIGITS[(digit_lo + digit_hi + 1) // 2]
    if upper is not None and len(upper) > 1:
        return upper[:1]
    return DIGITS[digit_lo] + _midpoint(lower[1:], None)


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise ValueError(f"invalid order key head {head!r}")


def _integer_part(key: str) -> str:
    length = _integer_length(key[0])
    if length > len(key):
        raise ValueError(f"invalid order key {key!r}")
    return key[:length]


def _validate(key: str) -> None:
    if not key or any(ch not in DIGITS for ch in key):
        raise ValueError(f"invalid order key {key!r}")
    if key == _SMALLEST_INTEGER:
        raise ValueError("the smallest integer is reserved")
    fraction = key[len(_integer_part(key)) :]
    if fraction.endswith("0"):
        raise ValueError(f"invalid order key {key!r}")


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        position = DIGITS.index(digits[i]) + 1
        if position < _BASE:
            digits[i] = DIGITS[position]
            return head + "".join(digits)
        digits[i] = "0"
    if head == "Z":
        return "a0"
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append("0")
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        position = DIGITS.index(digits[i]) - 1
        if position >= 0:
            digits[i] = DIGITS[position]
            return head + "".join(digits)
        digits[i] = "z"
    if head == "a":
        return "Z" + "z"
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append("z")
    else:
        digits.pop()
    return new_head + "".join(digits)
