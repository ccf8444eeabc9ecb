"""``clean_text`` takes a short cut for printable ASCII; it must decide exactly as the full rule does."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuneton.domain.errors import InvalidValue
from tuneton.domain.text import clean_text


def reference(value: str, *, max_length: int, allow_empty: bool) -> str | None:
    """The full rule, character by character: the cleaned text, or ``None`` where it is refused."""
    text = unicodedata.normalize("NFC", value).strip()
    if (not text and not allow_empty) or len(text) > max_length:
        return None
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text):
        return None
    return text


def cleaned(value: str, *, max_length: int, allow_empty: bool) -> str | None:
    try:
        return clean_text(value, field="f", max_length=max_length, allow_empty=allow_empty)
    except InvalidValue:
        return None


ASCII = st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12)
PIECES = [*string.printable, "\x00", "\x07", "\x7f", "\x1b", "e\u0301", "\u00e9", "\u3000"]
MIXED = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


@given(value=st.one_of(ASCII, MIXED, st.text(max_size=12)), max_length=st.integers(0, 12), allow_empty=st.booleans())
def test_the_short_cut_decides_as_the_full_rule(value: str, max_length: int, allow_empty: bool) -> None:
    assert cleaned(value, max_length=max_length, allow_empty=allow_empty) == reference(
        value, max_length=max_length, allow_empty=allow_empty
    )


@pytest.mark.parametrize("value", ["del\x7f", "nul\x00", "esc\x1b[0m"])
def test_ascii_control_characters_are_refused(value: str) -> None:
    with pytest.raises(InvalidValue, match="control characters"):
        clean_text(value, field="name", max_length=100)
