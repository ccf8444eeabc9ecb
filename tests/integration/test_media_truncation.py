"""A cut upload is refused as ``truncated`` in every accepted format, real music; a whole one is measured.

Issue 9: the first 30 KB of a real Ogg Vorbis song became a 1.5-s public track. Ogg, MP3 without a
Xing header and ADTS declare no total length, so their last page/frame decides (tuneton.media.framing).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.media_files import REAL_ENCODINGS, real_song
from tuneton.media.errors import TruncatedMedia
from tuneton.media.probe import probe

CUT_BYTES = 30_000
SONG_S = 12.0  # real_song's default excerpt


@pytest.fixture(scope="module", params=sorted(REAL_ENCODINGS))
def whole(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return real_song(tmp_path_factory.mktemp("real") / f"song.{request.param}", encoding=request.param)


def test_the_whole_song_is_accepted_at_its_length(whole: Path) -> None:
    # ADTS included: its duration is ffprobe's bitrate estimate, which once refused a whole 32.3-s song as cut.
    assert probe(whole).duration_s == pytest.approx(SONG_S, abs=0.6)


def test_the_first_30_kb_are_refused_as_truncated(whole: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.bin"
    cut.write_bytes(whole.read_bytes()[:CUT_BYTES])
    with pytest.raises(TruncatedMedia) as caught:
        probe(cut)
    assert caught.value.reason == "truncated"


def test_an_ogg_cut_at_a_page_boundary_has_no_end_of_stream(tmp_path: Path) -> None:
    data = real_song(tmp_path / "song.ogg", encoding="ogg").read_bytes()
    boundary = data.rfind(b"OggS", 0, CUT_BYTES)  # the page starting there and all after it are dropped
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(data[:boundary])
    with pytest.raises(TruncatedMedia, match="end-of-stream"):
        probe(cut)


def test_an_mp3_with_an_id3v1_tag_after_its_last_frame_is_whole(tmp_path: Path) -> None:
    from mutagen.id3 import ID3, TIT2

    path = real_song(tmp_path / "song.mp3", encoding="mp3-no-xing")
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Calm"))
    tags.save(path, v1=2)  # ID3v2 in front, a 128-byte ID3v1 "TAG" block at the end
    assert path.read_bytes()[-128:].startswith(b"TAG")
    assert probe(path).duration_s == pytest.approx(SONG_S, abs=0.5)
