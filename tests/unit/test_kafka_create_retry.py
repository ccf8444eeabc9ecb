"""Topic creation sends a CreateTopics again after a transient librdkafka error (CI saw _DESTROY_BROKER
on the 3-broker cluster while librdkafka swapped its bootstrap connections) and fails on a real one;
reading a new topic's configs is asked again while the answering broker does not know the topic yet
(CI saw UNKNOWN_TOPIC_OR_PART there too)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import pytest
from confluent_kafka import KafkaError, KafkaException

from tuneton.adapters.kafka import admin as admin_module
from tuneton.adapters.kafka.errors import KafkaAdapterError
from tuneton.adapters.kafka.topicspec import TopicSpec


class ScriptedAdmin:
    """Answers each CreateTopics call with the next scripted outcome per topic (None = created)."""

    def __init__(self, script: list[dict[str, int | None]]) -> None:
        self.script = script
        self.calls: list[list[str]] = []

    def create_topics(self, new: list[Any], **_: float) -> dict[str, Future[None]]:
        names = [t.topic for t in new]
        self.calls.append(names)
        outcome = self.script[len(self.calls) - 1]
        futures: dict[str, Future[None]] = {}
        for name in names:
            future: Future[None] = Future()
            code = outcome.get(name)
            if code is None:
                future.set_result(None)
            else:
                future.set_exception(KafkaException(KafkaError(code)))
            futures[name] = future
        return futures


def spec(name: str) -> TopicSpec:
    return TopicSpec(name=name, partitions=1, replication_factor=1, config={})


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(admin_module.time, "sleep", lambda _s: None)


def test_a_destroyed_broker_handle_is_retried_for_the_failed_topics_only() -> None:
    fake = ScriptedAdmin([{"b": KafkaError._DESTROY_BROKER}, {}])
    created = admin_module._create(fake, [spec("a"), spec("b")], 5.0)  # type: ignore[arg-type]
    assert created == {"a", "b"}
    assert fake.calls == [["a", "b"], ["b"]]


def test_a_topic_created_meanwhile_is_not_an_error() -> None:
    fake = ScriptedAdmin([{"a": KafkaError.TOPIC_ALREADY_EXISTS}])
    assert admin_module._create(fake, [spec("a")], 5.0) == set()  # type: ignore[arg-type]


def test_a_real_refusal_fails_at_once() -> None:
    fake = ScriptedAdmin([{"a": KafkaError.INVALID_REPLICATION_FACTOR}])
    with pytest.raises(KafkaAdapterError, match="cannot create topic a"):
        admin_module._create(fake, [spec("a")], 5.0)  # type: ignore[arg-type]
    assert len(fake.calls) == 1


def test_a_transient_error_that_persists_fails_after_the_last_attempt() -> None:
    fake = ScriptedAdmin([{"a": KafkaError._TRANSPORT}] * admin_module._CREATE_ATTEMPTS)
    with pytest.raises(KafkaAdapterError, match="_TRANSPORT"):
        admin_module._create(fake, [spec("a")], 5.0)  # type: ignore[arg-type]
    assert len(fake.calls) == admin_module._CREATE_ATTEMPTS


class UnawareBroker:
    """Answers DescribeConfigs with UNKNOWN_TOPIC_OR_PART ``unaware`` times, then with the configs."""

    def __init__(self, unaware: int) -> None:
        self.unaware = unaware
        self.calls = 0

    def describe_configs(self, resources: list[Any]) -> dict[Any, Future[dict[str, Any]]]:
        self.calls += 1
        future: Future[dict[str, Any]] = Future()
        if self.calls <= self.unaware:
            future.set_exception(KafkaException(KafkaError(KafkaError.UNKNOWN_TOPIC_OR_PART)))
        else:
            future.set_result({"retention.ms": "1"})
        return {resources[0]: future}


def test_a_topic_the_answering_broker_does_not_know_yet_is_asked_about_again() -> None:
    broker = UnawareBroker(unaware=2)
    assert admin_module._configs(broker, "t", 5.0) == {"retention.ms": "1"}  # type: ignore[arg-type]
    assert broker.calls == 3


def test_a_topic_that_stays_unknown_fails_after_the_last_attempt() -> None:
    broker = UnawareBroker(unaware=admin_module._CREATE_ATTEMPTS)
    with pytest.raises(KafkaAdapterError, match="cannot describe configs of t"):
        admin_module._configs(broker, "t", 5.0)  # type: ignore[arg-type]
    assert broker.calls == admin_module._CREATE_ATTEMPTS
