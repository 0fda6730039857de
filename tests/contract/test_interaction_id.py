"""Interaction ids are the UUIDv5 the feed contract promises, for any source and source id."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from schemas import interaction_id
from schemas.interaction import _ID_NAMESPACE

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)  # encodable as UTF-8


@settings(max_examples=500, deadline=None)
@given(_TEXT, _TEXT)
def test_id_is_uuid5_of_source_and_source_id(source: str, source_id: str) -> None:
    expected = uuid.uuid5(_ID_NAMESPACE, f"{source}\x1f{source_id}")
    got = interaction_id(source, source_id)
    assert got == str(expected)
    assert uuid.UUID(got).version == 5


def test_known_id_is_stable_across_releases() -> None:
    """A replayed event must keep its id: the value for one input is pinned."""
    assert interaction_id("web", "form-1") == "0ad5266f-ac61-582d-b9da-f91a6b954c53"
