"""``name_based_id`` formats its UUID by hand for speed; it must stay the uuid module's ``uuid5``."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from tuneton.events.envelope import derived_id, name_based_id

# Lone surrogates cannot be encoded as UTF-8: neither function takes them.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@given(namespace=st.uuids(), name=TEXT)
def test_a_name_based_id_is_the_uuid_modules_uuid5(namespace: uuid.UUID, name: str) -> None:
    assert name_based_id(namespace, name) == str(uuid.uuid5(namespace, name))


def test_the_ids_logs_already_hold_are_derived_again() -> None:
    # Written by the earlier implementation: the event id a redelivered command must meet again.
    assert derived_id("c-1", "event/0") == "bec744ce-b698-5121-800b-a8b627c5fe40"
