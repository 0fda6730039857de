"""The cti-webhook connector: ended calls and wrap-up notes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from connectors.contract import BadRecord, SourceRecord
from connectors.phone.cti import CtiWebhookConfig, CtiWebhookConnector
from tests.connectors.connector_helpers import sample

CONNECTOR = CtiWebhookConnector(CtiWebhookConfig(secret="s"))  # type: ignore[arg-type]


def _event(name: str) -> SourceRecord:
    (record,) = CONNECTOR.parse(sample(f"cti/{name}"), {})
    assert isinstance(record, SourceRecord)
    return record


def test_wrap_up_carries_the_agent_note_and_category() -> None:
    """A wrap-up event's text is the agent's note and its subject the category label."""
    event = _event("call_wrap_up.json").event
    assert event.id == "c-20260302-000871:call.wrap_up"
    assert event.text.startswith("Bewoner meldt dat de container")
    assert event.subject == "Afvalinzameling"
    assert event.metadata["category_code"] == "AFV-02"
    assert (event.party, event.party_kind) == ("+31612345678", "phone")
    assert event.occurred_at == datetime(2026, 3, 2, 9, 14, 5, tzinfo=timezone(timedelta(hours=1)))


def test_ended_call_gets_a_generated_line() -> None:
    """An ended call without note gets a short Dutch description with queue and talk time."""
    event = _event("call_ended.json").event
    assert event.id == "c-20260302-000871:call.ended"
    assert event.text == "Inkomend gesprek naar KCC Algemeen (228 s), beantwoord"
    assert event.subject == "KCC Algemeen"
    assert event.metadata["wait_seconds"] == 47


def test_redelivery_gives_the_same_id() -> None:
    """Parsing the same body twice yields the same event id (the receiver may see retries)."""
    assert _event("call_ended.json").event.id == _event("call_ended.json").event.id


def test_bad_payload_is_a_bad_record_naming_the_field() -> None:
    """A body without call.started_at becomes one BadRecord whose reason names the field."""
    body = b'{"event": "call.ended", "occurred_at": "2026-03-02T09:00:00Z", "call": {"id": "x",'
    body += b' "queue": {"id": "q", "name": "Q"}}}'
    (record,) = CONNECTOR.parse(body, {})
    assert isinstance(record, BadRecord)
    assert "call.started_at" in record.reason and record.payload == body


def test_naive_times_are_rejected() -> None:
    """A time without offset is ambiguous and is rejected, not guessed."""
    body = sample("cti/call_ended.json").replace(b"09:14:05+01:00", b"09:14:05")
    (record,) = CONNECTOR.parse(body, {})
    assert isinstance(record, BadRecord) and "started_at" in record.reason
