"""The demo catalog: four invented albums whose tags exercise every script and rule the catalog handles.

Latin with accents (folded in search: "cafe" finds "Café"), Cyrillic with ё (found by "е"), CJK
(bigram search), Korean, Greek and emoji; a collaboration credit that splits into two artists and a
band name with a slash that must not. All names are invented. Each album is written in one container
so the demo also shows tag reading from ID3 (MP3), Vorbis comments + PICTURE (FLAC) and
METADATA_BLOCK_PICTURE (Ogg Opus).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class DemoAlbum:
    """One album: its container, cover palette and tracks (title, artist credit)."""

    title: str
    artist: str
    year: int
    genre: str
    suffix: str  # mp3 | flac | opus
    palette: tuple[tuple[int, int, int], tuple[int, int, int]]
    tracks: tuple[tuple[str, str], ...]


ALBUMS: tuple[DemoAlbum, ...] = (
    DemoAlbum(
        title="Lumière d'été",
        artist="Élodie Marchand",
        year=2019,
        genre="Chanson",
        suffix="mp3",
        palette=((242, 178, 92), (140, 52, 88)),
        tracks=(
            ("Café à Montmartre", "Élodie Marchand"),
            ("Über den Wolken", "Élodie Marchand feat. Jörg Åberg"),
            ("Niño del mar", "Élodie Marchand"),
        ),
    ),
    DemoAlbum(
        title="Белые ночи",
        artist="Северный ветер",
        year=1987,
        genre="Рок",
        suffix="flac",
        palette=((44, 62, 120), (210, 220, 235)),
        tracks=(
            ("Звёздная дорога", "Северный ветер"),
            ("Ёлки-палки", "Северный ветер"),
            ("Ленинградский рассвет", "Северный ветер"),
        ),
    ),
    DemoAlbum(
        title="夜の散歩",
        artist="月光楽団",
        year=2021,
        genre="J-Pop",
        suffix="opus",
        palette=((18, 24, 58), (235, 120, 160)),
        tracks=(
            ("東京の雨", "月光楽団"),
            ("さくら通り", "月光楽団"),
            ("青い空へ", "月光楽団"),
        ),
    ),
    DemoAlbum(
        title="Midnight Drive 🚗",
        artist="Neon Harbor",
        year=2024,
        genre="Synthwave",
        suffix="mp3",
        palette=((255, 60, 160), (20, 210, 230)),
        tracks=(
            ("Night Drive 🌙", "Neon Harbor"),
            ("서울의 밤", "Neon Harbor; 소녀 Signal"),
            ("Κύμα (Wave)", "Neon Harbor & R/X"),
        ),
    ),
)
