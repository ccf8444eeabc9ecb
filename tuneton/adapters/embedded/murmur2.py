"""Kafka's default partitioner hash, so the embedded log puts a key in the partition Kafka would.

Written by hand: a port of ``org.apache.kafka.common.utils.Utils.murmur2`` (20 lines); importing
aiokafka just for it would drag the distributed extra into the embedded default.
"""

from __future__ import annotations

import functools

_M = 0x5BD1E995
_MASK = 0xFFFFFFFF


def murmur2(data: bytes) -> int:
    """32-bit murmur2 with Kafka's seed, as an unsigned int."""
    length = len(data)
    h = (0x9747B28C ^ length) & _MASK
    body = length - length % 4
    for i in range(0, body, 4):
        k = int.from_bytes(data[i : i + 4], "little")
        k = (k * _M) & _MASK
        k ^= k >> 24
        k = (k * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length % 4
    if tail >= 3:
        h ^= data[body + 2] << 16
    if tail >= 2:
        h ^= data[body + 1] << 8
    if tail >= 1:
        h ^= data[body]
        h = (h * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    h ^= h >> 15
    return h


@functools.lru_cache(maxsize=65_536)  # keys are aggregate ids, each appended to again and again
def partition_for(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (``toPositive(murmur2) % n``).

    Cached: the hash in pure Python was 3 % of the embedded worker's CPU per command.
    """
    return (murmur2(key) & 0x7FFFFFFF) % partitions
