"""Artist splitting: the rule plus the allow-list, on the names that break naive splitters."""

from __future__ import annotations

import pytest

from tuneton.media.artists import KNOWN_ARTISTS, split_artists


@pytest.mark.parametrize(
    ("tag", "artists"),
    [
        ("AC/DC", ("AC/DC",)),
        ("ac/dc", ("ac/dc",)),
        ("AC/DC feat. Axl Rose", ("AC/DC", "Axl Rose")),
        ("Daft Punk feat. Pharrell Williams; Nile Rodgers", ("Daft Punk", "Pharrell Williams", "Nile Rodgers")),
        ("Simon & Garfunkel", ("Simon & Garfunkel",)),
        ("Earth, Wind & Fire & Friends", ("Earth, Wind & Fire", "Friends")),
        ("Echo & the Bunnymen", ("Echo & the Bunnymen",)),
        ("Tyler, The Creator", ("Tyler, The Creator",)),
        ("Florence + the Machine", ("Florence + the Machine",)),
        ("Jay-Z/Kanye West", ("Jay-Z", "Kanye West")),
        ("Trent Reznor / Atticus Ross", ("Trent Reznor", "Atticus Ross")),
        ("Lil Nas X & Billy Ray Cyrus", ("Lil Nas X", "Billy Ray Cyrus")),
        ("Kanye West vs. Jay-Z", ("Kanye West", "Jay-Z")),
        ("Beyoncé ft. JAY-Z", ("Beyoncé", "JAY-Z")),
        ("Calvin Harris featuring Rihanna", ("Calvin Harris", "Rihanna")),
        ("A, B, C", ("A", "B", "C")),
        ("10,000 Maniacs", ("10,000 Maniacs",)),
        ("AT&T", ("AT&T",)),
        ("Земфира feat. Рома Зверь", ("Земфира", "Рома Зверь")),
        ("Баста & Тимати", ("Баста", "Тимати")),
        ("米津玄師、菅田将暉", ("米津玄師", "菅田将暉")),
        ("YOASOBI／Ayase", ("YOASOBI", "Ayase")),
        ("Oasis; oasis", ("Oasis",)),
        ("  spaced   out  ", ("spaced out",)),
        ("", ()),
    ],
)
def test_one_tag_string(tag: str, artists: tuple[str, ...]) -> None:
    assert split_artists([tag]) == artists


def test_a_multi_valued_tag_is_trusted_but_feat_is_still_split() -> None:
    assert split_artists(["AC/DC", "Simon & Garfunkel", "A feat. B"]) == ("AC/DC", "Simon & Garfunkel", "A", "B")


def test_a_multi_valued_tag_keeps_ampersands_inside_values() -> None:
    assert split_artists(["Nick Cave", "Warren Ellis & Friends"]) == ("Nick Cave", "Warren Ellis & Friends")


def test_the_allow_list_is_case_insensitive_and_folded() -> None:
    assert all(name == name.casefold() for name in KNOWN_ARTISTS)
    assert split_artists(["SIMON & GARFUNKEL"]) == ("SIMON & GARFUNKEL",)
