"""An HLS EVENT playlist assembled from ffmpeg's sliding-window playlists.

Why not ffmpeg's own EVENT playlist: it applies ``hls_init_time`` (the short first segments that make
first audio early) to *every* segment, because an EVENT list is never "full". With a window of N
entries, ffmpeg cuts the first N segments at ``hls_init_time`` and the rest at ``hls_time``; this
class remembers every entry it has seen (by media sequence number) and writes the growing EVENT
playlist players expect. No library does this; it is a few lines of RFC 8216 bookkeeping.

The window must cover more audio than ffmpeg can lag behind its input between two reads (the pipe
buffer plus its queues, well under 1 s): the service's window is 4 x 0.5 s. A window of one 1-s
segment was measured to slide past a segment (benchmarks/render_pipeline.py), which ``update``
reports as an error rather than a silent gap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from tuneton.audio.errors import EncodeError


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One media segment: its URI (relative to the playlist) and duration in seconds."""

    uri: str
    duration_s: float


@dataclass(frozen=True, kw_only=True)
class MediaPlaylist:
    """What a media playlist says: its first media sequence number, init section and segments."""

    sequence: int
    map_uri: str | None
    entries: list[Entry]


def parse(text: str) -> MediaPlaylist:
    """Read the parts of a media playlist that ffmpeg and :class:`EventPlaylist` write."""
    sequence, map_uri, entries = 0, None, []
    duration: float | None = None
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            sequence = int(line.split(":", 1)[1])
        elif line.startswith("#EXT-X-MAP:") and 'URI="' in line:
            map_uri = line.split('URI="', 1)[1].split('"', 1)[0]
        elif line.startswith("#EXTINF:"):
            duration = float(line.split(":", 1)[1].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            entries.append(Entry(uri=line, duration_s=duration))
            duration = None
    return MediaPlaylist(sequence=sequence, map_uri=map_uri, entries=entries)


class EventPlaylist:
    """Accumulates segments from successive window playlists; renders the whole EVENT playlist.

    Parameters
    ----------
    map_uri : str
        The fMP4 initialisation section (``#EXT-X-MAP``).
    target_duration_s : float
        Upper bound of the segment durations; ``#EXT-X-TARGETDURATION`` must not change while the
        playlist grows, so it is fixed up front (rounded up).
    """

    def __init__(self, *, map_uri: str, target_duration_s: float) -> None:
        self._map_uri = map_uri
        self._target = max(1, math.ceil(target_duration_s))
        self._entries: dict[int, Entry] = {}

    @property
    def entries(self) -> list[Entry]:
        """Segments seen so far, in order."""
        return [self._entries[i] for i in sorted(self._entries)]

    def update(self, window: str) -> bool:
        """Take in one window playlist (as ffmpeg wrote it); returns whether new segments appeared.

        Raises
        ------
        EncodeError
            The window skipped past segments never seen (the caller read too rarely).
        """
        parsed = parse(window)
        sequence, found = parsed.sequence, parsed.entries
        if found and self._entries and sequence > max(self._entries) + 1:
            raise EncodeError("playlist", f"segments {max(self._entries) + 1}..{sequence - 1} were never seen")
        if found and not self._entries and sequence > 0:
            raise EncodeError("playlist", f"the first window starts at segment {sequence}")
        before = len(self._entries)
        for offset, entry in enumerate(found):
            self._entries.setdefault(sequence + offset, entry)
        return len(self._entries) > before

    def text(self, *, complete: bool) -> str:
        """The EVENT playlist of every segment so far; ``complete`` adds ``#EXT-X-ENDLIST``."""
        target = max([self._target, *(round(e.duration_s) for e in self._entries.values())])
        lines = ["#EXTM3U", "#EXT-X-VERSION:7", f"#EXT-X-TARGETDURATION:{target}", "#EXT-X-MEDIA-SEQUENCE:0",
                 "#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-INDEPENDENT-SEGMENTS",
                 f'#EXT-X-MAP:URI="{self._map_uri}"']  # fmt: skip
        for entry in self.entries:
            lines += [f"#EXTINF:{entry.duration_s:.6f},", entry.uri]
        if complete:
            lines.append("#EXT-X-ENDLIST")
        return "\n".join(lines) + "\n"
