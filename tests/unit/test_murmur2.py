"""The embedded log's partitioner equals Kafka's: Java's test vectors, librdkafka and aiokafka agree."""

from __future__ import annotations

import random

import confluent_kafka
import pytest
from aiokafka.partitioner import DefaultPartitioner

from tuneton.adapters.embedded.murmur2 import murmur2, partition_for

# org.apache.kafka.common.utils.UtilsTest#testMurmur2 (signed Java ints).
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize(("key", "expected"), JAVA_VECTORS.items())
def test_murmur2_matches_the_java_client(key: bytes, expected: int) -> None:
    assert murmur2(key) == expected & 0xFFFFFFFF


def _keys() -> list[bytes]:
    rng = random.Random(7)
    return [
        b"",
        *(rng.randbytes(rng.randrange(1, 40)) for _ in range(2000)),
        *(f"u-{i}".encode() for i in range(500)),
    ]


@pytest.mark.parametrize("partitions", [1, 3, 6, 7, 64])
def test_partition_matches_librdkafka_and_aiokafka(partitions: int) -> None:
    everything = list(range(partitions))
    for key in _keys():
        ours = partition_for(key, partitions)
        assert ours == confluent_kafka.murmur2(key, partitions)
        assert ours == DefaultPartitioner()(key, everything, everything)
