"""The webchat-webhook connector: finished chat transcripts."""

from __future__ import annotations

import json

from connectors.contract import BadRecord, SourceRecord
from connectors.web.webchat import WebchatConfig, WebchatWebhookConnector
from tests.connectors.connector_helpers import sample

CONNECTOR = WebchatWebhookConnector(WebchatConfig(secret="s"))  # type: ignore[arg-type]


def test_transcript_text_is_what_the_resident_wrote() -> None:
    """Only resident messages form the text, in time order; counts go to metadata."""
    (record,) = CONNECTOR.parse(sample("webchat/transcript.json"), {})
    assert isinstance(record, SourceRecord)
    event = record.event
    assert event.id == "chat-20260302-0042"
    assert event.text == (
        "Mijn bewonersvergunning is verlopen terwijl ik automatisch verlengen had aangezet.\n"
        "Nee, nooit iets ontvangen."
    )
    assert event.subject == "Parkeervergunning"
    assert event.metadata["agent_messages"] == 1
    assert event.metadata["duration_seconds"] == 510
    assert (event.party, event.party_kind) == ("bewoner@example.nl", "email")


def test_messages_out_of_order_are_sorted() -> None:
    """Messages are ordered by their timestamps, not by their place in the list."""
    payload = json.loads(sample("webchat/transcript.json"))
    payload["messages"].reverse()
    (record,) = CONNECTOR.parse(json.dumps(payload).encode(), {})
    assert isinstance(record, SourceRecord)
    assert record.event.text.startswith("Mijn bewonersvergunning")


def test_unknown_role_is_bad() -> None:
    """A message role outside resident/agent/bot is a BadRecord naming the message."""
    body = sample("webchat/transcript.json").replace(b'"role": "agent"', b'"role": "robot"')
    (record,) = CONNECTOR.parse(body, {})
    assert isinstance(record, BadRecord) and "messages.2.role" in record.reason
