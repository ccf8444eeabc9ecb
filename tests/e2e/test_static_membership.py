"""The session's Kafka product runs its worker with ``worker_instance_id``: the id must reach the broker as
the member's ``group.instance.id``, or a restarted worker would wait out the killed one's session after all."""

from __future__ import annotations

import pytest
from confluent_kafka.admin import AdminClient  # type: ignore[attr-defined]

from processors import roles
from tests.e2e.conftest import Product

pytestmark = pytest.mark.kafka


def test_the_worker_joins_its_group_as_a_static_member(kafka_product: Product) -> None:
    admin = AdminClient({"bootstrap.servers": kafka_product.env["TUNETON_KAFKA_BOOTSTRAP"]})
    group = admin.describe_consumer_groups([roles.APP_ID])[roles.APP_ID].result(timeout=30)
    assert [member.group_instance_id for member in group.members] == [kafka_product.env["TUNETON_WORKER_INSTANCE_ID"]]
