"""The meta-webhook connector: page feed, Instagram comments and messages."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.contract import BadRecord, SourceRecord
from connectors.social.meta import MetaWebhookConfig, MetaWebhookConnector
from tests.connectors.connector_helpers import sample

CONNECTOR = MetaWebhookConnector(MetaWebhookConfig(secret="s"))  # type: ignore[arg-type]


def _events(name: str) -> list[SourceRecord]:
    records = CONNECTOR.parse(sample(f"meta/{name}"), {})
    assert all(isinstance(r, SourceRecord) for r in records)
    return [r for r in records if isinstance(r, SourceRecord)]


def test_meta_needs_no_timestamp_header() -> None:
    """Meta signs only the body, so the config does not require the timestamp header."""
    assert MetaWebhookConfig(secret="s").require_timestamp is False  # type: ignore[arg-type]


def test_page_feed_keeps_comments_and_posts_and_skips_reactions() -> None:
    """A batch of comment, reaction and post gives two events; the sender id is the party."""
    events = [r.event for r in _events("page_feed.json")]
    assert [e.id for e in events] == [
        "104523987654321_998877665544_112233445566:add",
        "104523987654321_998877669999:add",
    ]
    assert events[0].text.startswith("Waarom wordt de Stationsweg")
    assert (events[0].party, events[0].party_kind) == ("6021873345112233", "handle")
    assert events[0].occurred_at == datetime.fromtimestamp(1772459990, UTC)
    assert events[0].metadata["item"] == "comment"
    assert "Petra" not in str(events[0].metadata)


def test_messages_skip_echoes_and_use_millisecond_timestamps() -> None:
    """A visitor's message is an event; the page's own echo is not."""
    (record,) = _events("messaging.json")
    assert record.event.id == "m_AbCdEf0123456789"
    assert record.event.occurred_at == datetime.fromtimestamp(1772461234, UTC)
    assert record.event.party == "5512345678901234"


def test_instagram_comments() -> None:
    """An Instagram comment change gives an event with the comment text."""
    (record,) = _events("instagram_comments.json")
    assert record.event.id == "17865799999999999:add"
    assert record.event.text == "Mooi plan voor het nieuwe plein! Komen er ook bankjes?"
    assert record.event.metadata["object"] == "instagram"


def test_unknown_object_is_bad() -> None:
    """An object type other than page or instagram is one BadRecord naming 'object'."""
    (record,) = CONNECTOR.parse(b'{"object": "whatsapp_business_account", "entry": []}', {})
    assert isinstance(record, BadRecord) and "object" in record.reason


def test_one_bad_change_does_not_lose_the_others() -> None:
    """A change with an unreadable created_time is a BadRecord; its neighbours still arrive."""
    body = sample("meta/page_feed.json").replace(b"1772459990", b'"gisteren"')
    records = CONNECTOR.parse(body, {})
    assert [type(r).__name__ for r in records] == ["BadRecord", "SourceRecord"]
    assert isinstance(records[0], BadRecord) and b"gisteren" in records[0].payload
