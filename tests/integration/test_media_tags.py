"""read_tags(): every tag format into one shape, Unicode intact, absurd sizes refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.id3 import ID3, TIT2, TXXX
from mutagen.wave import WAVE

from tests.media_files import synth, tag_id3, tag_mp4, tag_vorbis
from tuneton.media.errors import TagTooLarge
from tuneton.media.probe import probe
from tuneton.media.tags import TrackTags, read_tags


def tags_of(path: Path, file_name: str | None = None) -> TrackTags:
    return read_tags(path, container=probe(path).container, file_name=file_name)


def test_id3_tags_in_an_mp3(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tag_id3(
        path,
        title="Группа крови",
        artist="Кино",
        album="Группа крови",
        albumartist="Кино",
        track="1/8",
        disc="1/1",
        date="1988-01-05",
        genre="Rock",
        isrc="SU-A01-88-00001",
    )
    assert tags_of(path) == TrackTags(
        title="Группа крови",
        artists=("Кино",),
        album="Группа крови",
        album_artist="Кино",
        track_number=1,
        track_total=8,
        disc_number=1,
        disc_total=1,
        year=1988,
        genre="Rock",
        isrc="SUA018800001",
    )


def test_id3v24_multiple_artists_are_taken_as_given(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tag_id3(path, title="Song", artist="AC/DC\x00Brian Johnson")
    assert tags_of(path).artists == ("AC/DC", "Brian Johnson")


def test_a_single_artist_string_is_split(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tag_id3(path, title="Get Lucky", artist="Daft Punk feat. Pharrell Williams & Nile Rodgers")
    assert tags_of(path).artists == ("Daft Punk", "Pharrell Williams", "Nile Rodgers")


def test_numeric_id3v1_genres_are_resolved(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tag_id3(path, title="x", genre="(17)")
    assert tags_of(path).genre == "Rock"


@pytest.mark.parametrize("suffix", ["flac", "ogg", "opus"])
def test_vorbis_comments(tmp_path: Path, suffix: str) -> None:
    path = synth(tmp_path / f"a.{suffix}")
    tag_vorbis(
        path,
        TITLE="群青日和",
        ARTIST=["東京事変", "椎名林檎"],
        ALBUM="教育",
        ALBUMARTIST="東京事変",
        TRACKNUMBER="2",
        TRACKTOTAL="11",
        DISCNUMBER="1",
        DATE="2004",
        GENRE="J-Rock",
        ISRC="JPTO00400001",
    )
    tags = tags_of(path)
    assert (tags.title, tags.artists, tags.album, tags.album_artist) == (
        "群青日和",
        ("東京事変", "椎名林檎"),
        "教育",
        "東京事変",
    )
    assert (tags.track_number, tags.track_total, tags.disc_number, tags.year) == (2, 11, 1, 2004)
    assert (tags.genre, tags.isrc) == ("J-Rock", "JPTO00400001")


def test_mp4_atoms(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.m4a")
    tag_mp4(
        path,
        title="Émoji 🎸 Song",
        artist="Beyoncé ft. JAY-Z",
        album="Album",
        albumartist="Beyoncé",
        date="2003-06-24",
        genre="R&B",
        track=[(3, 12)],
        disc=[(1, 2)],
        isrc="USSM10300001",
    )
    tags = tags_of(path)
    assert (tags.title, tags.artists) == ("Émoji 🎸 Song", ("Beyoncé", "JAY-Z"))
    assert (tags.track_number, tags.track_total, tags.disc_number, tags.disc_total) == (3, 12, 1, 2)
    assert (tags.year, tags.genre, tags.isrc) == (2003, "R&B", "USSM10300001")


def test_id3_in_wav(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.wav")
    wave = WAVE(path)
    wave.add_tags()
    wave.tags.add(TIT2(encoding=3, text=["Wave title"]))
    wave.save()
    assert tags_of(path).title == "Wave title"


def test_without_tags_the_title_comes_from_the_file_name(tmp_path: Path) -> None:
    path = synth(tmp_path / "upload.bin", fmt="mp3")
    tags = tags_of(path, file_name="C:\\Music\\03 - Кино - Кукушка.mp3")
    assert (tags.title, tags.artists, tags.title_from_file_name) == ("Кукушка", ("Кино",), True)


def test_a_hostile_file_name_becomes_a_harmless_title(tmp_path: Path) -> None:
    path = synth(tmp_path / "upload.bin", fmt="flac")
    assert tags_of(path, file_name="../../etc/passwd").title == "passwd"
    assert tags_of(path, file_name=None).title == "Untitled"


def test_garbage_numbers_and_isrc_become_none(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.flac")
    tag_vorbis(path, TITLE="x", TRACKNUMBER="A1", DATE="someday", ISRC="not-an-isrc", DISCNUMBER="0")
    tags = tags_of(path)
    assert (tags.track_number, tags.year, tags.isrc, tags.disc_number) == (None, None, None, None)


def test_control_characters_and_whitespace_are_cleaned(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.flac")
    tag_vorbis(path, TITLE="  Line\none\ttab\x07  ", ARTIST="  A  ")
    tags = tags_of(path)
    assert (tags.title, tags.artists) == ("Line one tab", ("A",))


def test_a_ten_megabyte_tag_is_refused(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.mp3")
    tags = ID3()
    tags.add(TXXX(encoding=3, desc="junk", text=["x" * (10 * 1024 * 1024)]))
    tags.save(path)
    with pytest.raises(TagTooLarge) as caught:
        tags_of(path)
    assert caught.value.reason == "tag_too_large"


@pytest.mark.parametrize("suffix", ["flac", "m4a"])
def test_a_ten_megabyte_picture_is_refused(tmp_path: Path, suffix: str) -> None:
    path = synth(tmp_path / f"a.{suffix}")
    junk = b"\xff\xd8\xff" + bytes(10 * 1024 * 1024)
    (tag_vorbis if suffix == "flac" else tag_mp4)(path, cover=junk)
    with pytest.raises(TagTooLarge):
        tags_of(path)


def test_an_overlong_title_is_refused(tmp_path: Path) -> None:
    path = synth(tmp_path / "a.ogg")
    tag_vorbis(path, TITLE="t" * 5000)
    with pytest.raises(TagTooLarge) as caught:
        tags_of(path)
    assert caught.value.details["field"] == "title"
