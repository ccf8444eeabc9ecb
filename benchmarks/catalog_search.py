"""Search latency over a synthetic 50,000-track catalog, on the embedded index and on Elasticsearch.

The catalog mixes Latin (with accents), Cyrillic and CJK names built from small word lists, so prefix
terms collide the way real catalogs do ("a", "ко", "東" each match thousands of tracks). Queries are
grouped by what a listener types: 1, 2, 3-4 characters as they type, whole words, a typo, two words,
and a word plus a filter. Each query runs once as warm-up, then ``repeat`` times measured, one at a time.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Sequence

from tuneton.catalog_values import SearchDocument, SearchQuery
from tuneton.ports import SearchIndex

LATIN = ["love", "night", "dance", "heart", "fire", "summer", "rain", "city", "dream", "light", "blue", "river",
         "café", "niño", "über", "señor", "étoile", "mañana", "garçon", "jalapeño", "road", "ocean", "golden", "wild"]  # fmt: skip
CYRILLIC = ["звезда", "ночь", "любовь", "город", "ветер", "солнце", "дорога", "ёлка", "весна", "река", "небо",
            "кино", "огонь", "песня", "мечта", "зима", "лето", "белый", "чёрный", "сердце"]  # fmt: skip
CJK = ["東京", "夜", "桜", "青い空", "雨", "月光", "夢", "星", "海", "花火", "さくら", "ひかり", "서울", "사랑"]
ARTISTS = ["Kino", "Élodie Marchand", "Северный ветер", "月光楽団", "Neon Harbor", "AC/DC", "The Rivers",
           "Zemfira", "Ёлка", "東京事変", "Golden Hour", "Señor Coconut", "Sigur Rós", "Motörhead"]  # fmt: skip
GENRES = ["Rock", "Pop", "Jazz", "Electronic", "J-Pop", "Chanson", "Folk", "Metal"]

QUERIES: dict[str, list[str]] = {
    "1 char": ["a", "l", "n", "з", "к", "東", "с", "m", "d", "ё"],
    "2 chars": ["lo", "ni", "da", "зв", "ко", "東京", "ca", "ре", "fi", "ве"],
    "3-4 chars": ["lov", "nigh", "danc", "звез", "ночь", "город", "caf", "nin", "über", "ёлк"],
    "word": ["love", "night", "звезда", "東京", "café", "cafe", "elodie", "kino", "ac/dc", "ночь"],
    "typo": ["lvoe", "nihgt", "sumer", "звзда", "дорга", "oceam", "drem", "haert"],
    "two words": ["love night", "звезда ночь", "golden road", "blue river", "кино город"],
}
FILTERED = [("love", {"genre": "Rock"}), ("звезда", {"artist": "Кино"}), ("a", {"year_from": 1990, "year_to": 1999})]


def synthetic_catalog(count: int, *, seed: int = 7) -> list[SearchDocument]:
    """``count`` public tracks with 2-4 word titles in mixed scripts."""
    rng = random.Random(seed)
    words = [LATIN, CYRILLIC, CJK]
    documents = []
    for n in range(count):
        pool = rng.choices(words, weights=(5, 3, 2))[0]
        title = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
        artist = rng.choice(ARTISTS)
        album = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 2)))
        documents.append(
            SearchDocument(
                track_id=f"bench-{n:06d}",
                version=1,
                title=title.capitalize(),
                artists=(artist,),
                album=album.title(),
                genre=rng.choice(GENRES),
                year=rng.randint(1960, 2025),
                duration_ms=rng.randint(90_000, 420_000),
            )
        )
    return documents


async def load(index: SearchIndex, documents: Sequence[SearchDocument], *, batch: int = 1000) -> float:
    """Write the catalog in batches; return seconds."""
    started = time.perf_counter()
    for start in range(0, len(documents), batch):
        await index.write(documents[start : start + batch])
    await index.refresh()
    return time.perf_counter() - started


async def latencies(index: SearchIndex, *, repeat: int = 5) -> dict[str, dict[str, float]]:
    """p50/p99/max in milliseconds per query group (and hits of the first query, as a sanity check)."""
    groups: dict[str, list[tuple[str, dict[str, object]]]] = {
        name: [(q, {}) for q in queries] for name, queries in QUERIES.items()
    }
    groups["word + filter"] = list(FILTERED)
    figures: dict[str, dict[str, float]] = {}
    all_ms: list[float] = []
    for name, queries in groups.items():
        timings: list[float] = []
        for text, filters in queries:
            query = SearchQuery(text=text, limit=20, **filters)  # type: ignore[arg-type]
            await index.search(query)  # warm-up: caches, JIT, vocabulary
            for _ in range(repeat):
                started = time.perf_counter()
                await index.search(query)
                timings.append((time.perf_counter() - started) * 1000)
        all_ms.extend(timings)
        figures[name] = _summary(timings)
    figures["all"] = _summary(all_ms)
    return figures


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 2), "p99_ms": round(p99, 2), "max_ms": round(ordered[-1], 2),
            "n": len(ordered)}  # fmt: skip


async def run(index: SearchIndex, count: int, *, repeat: int = 5) -> dict[str, object]:
    """Load ``count`` documents into a started, empty ``index`` and measure."""
    documents = await asyncio.to_thread(synthetic_catalog, count)
    seconds = await load(index, documents)
    return {"documents": count, "load_s": round(seconds, 1), "latency": await latencies(index, repeat=repeat)}
