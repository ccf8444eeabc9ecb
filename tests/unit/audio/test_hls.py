"""The EVENT playlist assembled from ffmpeg's sliding windows."""

from __future__ import annotations

import pytest

from tuneton.audio.errors import EncodeError
from tuneton.audio.hls import EventPlaylist


def window(sequence: int, *entries: tuple[str, float]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:2", f"#EXT-X-MEDIA-SEQUENCE:{sequence}",
             '#EXT-X-MAP:URI="init.mp4"']  # fmt: skip
    for uri, seconds in entries:
        lines += [f"#EXTINF:{seconds},", uri]
    return "\n".join(lines) + "\n"


def test_windows_accumulate_into_one_event_playlist() -> None:
    playlist = EventPlaylist(map_uri="init.mp4", target_duration_s=2.0)
    assert playlist.update(window(0, ("seg_00000.m4s", 0.51)))
    assert playlist.update(window(0, ("seg_00000.m4s", 0.51), ("seg_00001.m4s", 0.49)))
    assert not playlist.update(window(0, ("seg_00000.m4s", 0.51), ("seg_00001.m4s", 0.49)))
    assert playlist.update(window(1, ("seg_00001.m4s", 0.49), ("seg_00002.m4s", 1.99)))
    text = playlist.text(complete=False)
    assert [line for line in text.splitlines() if line.endswith(".m4s")] == [
        "seg_00000.m4s", "seg_00001.m4s", "seg_00002.m4s"
    ]  # fmt: skip
    assert "#EXT-X-PLAYLIST-TYPE:EVENT" in text
    assert "#EXT-X-TARGETDURATION:2" in text
    assert "#EXT-X-ENDLIST" not in text
    assert playlist.text(complete=True).rstrip().endswith("#EXT-X-ENDLIST")


def test_a_window_that_skipped_segments_is_an_error_not_a_silent_gap() -> None:
    playlist = EventPlaylist(map_uri="init.mp4", target_duration_s=2.0)
    playlist.update(window(0, ("seg_00000.m4s", 0.5)))
    with pytest.raises(EncodeError):
        playlist.update(window(3, ("seg_00003.m4s", 2.0)))


def test_a_first_window_that_does_not_start_at_zero_is_an_error() -> None:
    with pytest.raises(EncodeError):
        EventPlaylist(map_uri="init.mp4", target_duration_s=2.0).update(window(2, ("seg_00002.m4s", 2.0)))


def test_an_empty_window_adds_nothing() -> None:
    playlist = EventPlaylist(map_uri="init.mp4", target_duration_s=4.0)
    assert not playlist.update(window(0))
    assert "#EXTINF" not in playlist.text(complete=False)
