"""The queue-webhook connector: tickets and appointments from a counter system."""

from __future__ import annotations

import json

import pytest

from connectors.contract import BadRecord, SourceRecord
from connectors.counter.queue import QueueWebhookConfig, QueueWebhookConnector
from schemas import Channel
from tests.connectors.connector_helpers import sample

CONNECTOR = QueueWebhookConnector(QueueWebhookConfig(secret="s"))  # type: ignore[arg-type]


def _parse(body: bytes) -> SourceRecord | BadRecord:
    (record,) = CONNECTOR.parse(body, {})
    return record


@pytest.mark.parametrize(
    ("name", "event_id", "text", "party_kind"),
    [
        (
            "appointment_booked.json",
            "APT-88412:appointment.booked:1",
            "Afspraak gemaakt voor Paspoort aanvragen",
            "email",
        ),
        (
            "ticket_served.json",
            "T-20260302-B017:ticket.served:3",
            "Pasfoto voldeed niet aan de eisen, klant komt morgen terug met nieuwe foto.",
            None,
        ),
        (
            "ticket_no_show.json",
            "T-20260302-C003:ticket.no_show:4",
            "Niet verschenen na oproep voor Verhuizing doorgeven",
            None,
        ),
    ],
)
def test_samples_map_to_counter_events(
    name: str, event_id: str, text: str, party_kind: str | None
) -> None:
    """Each sample event gets its stable id, the employee's notes or a generated line."""
    record = _parse(sample(f"queue/{name}"))
    assert isinstance(record, SourceRecord)
    assert record.event.id == event_id
    assert record.event.text == text
    assert record.event.channel is Channel.COUNTER
    assert record.event.party_kind == party_kind
    assert record.event.subject == json.loads(sample(f"queue/{name}"))["service"]["name"]


def test_appointment_start_goes_to_metadata() -> None:
    """The booked slot is kept as metadata; the customer's e-mail becomes the party."""
    record = _parse(sample("queue/appointment_booked.json"))
    assert isinstance(record, SourceRecord)
    assert record.event.metadata["appointment_start"] == "2026-03-05T10:30:00+01:00"
    assert record.event.party == "j.jansen@example.nl"


def test_ticket_event_without_ticket_is_bad() -> None:
    """A ticket event without a ticket object cannot get a stable id and is a BadRecord."""
    payload = json.loads(sample("queue/ticket_served.json"))
    del payload["ticket"]
    record = _parse(json.dumps(payload).encode())
    assert isinstance(record, BadRecord) and "needs a 'ticket' object" in record.reason


def test_unknown_event_type_is_bad() -> None:
    """An event type outside the documented set is a BadRecord naming the field."""
    body = sample("queue/ticket_served.json").replace(b"ticket.served", b"ticket.teleported")
    record = _parse(body)
    assert isinstance(record, BadRecord) and record.reason.startswith("queue-webhook: event:")
