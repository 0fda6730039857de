"""The neighbourhood-webhook connector: posts bridged from neighbourhood platforms."""

from __future__ import annotations

from connectors.contract import BadRecord, SourceRecord
from connectors.neighbourhood.webhook import (
    NeighbourhoodWebhookConfig,
    NeighbourhoodWebhookConnector,
)
from schemas import Channel, RawLocation
from tests.connectors.connector_helpers import sample

CONNECTOR = NeighbourhoodWebhookConnector(NeighbourhoodWebhookConfig(secret="s"))  # type: ignore[arg-type]


def _parse(body: bytes) -> SourceRecord | BadRecord:
    (record,) = CONNECTOR.parse(body, {})
    return record


def test_post_maps_buurt_code_title_and_handle() -> None:
    """A post keeps its buurt code as location, its title as subject, its author as party."""
    record = _parse(sample("neighbourhood/post.json"))
    assert isinstance(record, SourceRecord)
    event = record.event
    assert event.id == "hoplr:p-558812"
    assert event.channel is Channel.NEIGHBOURHOOD
    assert event.location == RawLocation(buurt_code="BU03630501")
    assert event.subject == "Buurtbarbecue in het park?"
    assert (event.party, event.party_kind) == ("buurtbewoner_42", "handle")


def test_reply_keeps_its_parent() -> None:
    """A reply records its parent post and platform in the metadata."""
    record = _parse(sample("neighbourhood/reply.json"))
    assert isinstance(record, SourceRecord)
    assert record.event.metadata == {
        "platform": "nextdoor-bridge",
        "kind": "reply",
        "parent_id": "p-99001",
    }


def test_malformed_buurt_code_is_bad() -> None:
    """A buurt code that is not BU + 8 digits is a BadRecord naming buurt_code."""
    record = _parse(sample("neighbourhood/post.json").replace(b"BU03630501", b"Oost"))
    assert isinstance(record, BadRecord) and "buurt_code" in record.reason


def test_not_json_is_bad() -> None:
    """A body that is no JSON at all is a BadRecord, kept for the dead-letter topic."""
    record = _parse(b"<html>oops</html>")
    assert isinstance(record, BadRecord) and "Invalid JSON" in record.reason
