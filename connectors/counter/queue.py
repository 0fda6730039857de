"""Queue and appointment events from a counter system (Qmatic/JCC-style webhooks).

Payload (documented in docs/connectors-reference.md)::

    {"event": "ticket.issued" | "ticket.called" | "ticket.served" | "ticket.no_show"
              | "appointment.booked" | "appointment.moved" | "appointment.cancelled",
     "sequence": 1, "occurred_at": "<RFC 3339>",
     "branch": {"id", "name"}, "service": {"id", "name"}, "counter": "Balie 3",
     "ticket": {"id", "number"} | null, "appointment": {"id", "start", "end"} | null,
     "customer": {"email", "phone"} | null, "notes": "<typed by the employee>"}

The event id is ``<ticket or appointment id>:<event>:<sequence>``: the system numbers the events of
one ticket or appointment, so a redelivered webhook gets the same id.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, JsonValue, model_validator

import schemas
from connectors.contract import (
    BadRecord,
    ConnectorConfig,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from connectors.web.payload import SourceModel, parse_single, phone_party, present

EventType = Literal[
    "ticket.issued",
    "ticket.called",
    "ticket.served",
    "ticket.no_show",
    "appointment.booked",
    "appointment.moved",
    "appointment.cancelled",
]

_SUMMARY_NL: dict[str, str] = {
    "ticket.issued": "Wachtnummer getrokken voor {service}",
    "ticket.called": "Wachtnummer opgeroepen voor {service}",
    "ticket.served": "Geholpen aan de balie voor {service}",
    "ticket.no_show": "Niet verschenen na oproep voor {service}",
    "appointment.booked": "Afspraak gemaakt voor {service}",
    "appointment.moved": "Afspraak verzet voor {service}",
    "appointment.cancelled": "Afspraak geannuleerd voor {service}",
}


class Named(SourceModel):
    id: str
    name: str


class Ticket(SourceModel):
    id: str = Field(min_length=1, max_length=100)
    number: str | None = None


class Appointment(SourceModel):
    id: str = Field(min_length=1, max_length=100)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None


class Customer(SourceModel):
    email: str | None = None
    phone: str | None = None


class QueueEvent(SourceModel):
    """One event as the queue system posts it."""

    event: EventType
    sequence: int = Field(ge=0)
    occurred_at: AwareDatetime
    branch: Named
    service: Named
    counter: str | None = None
    ticket: Ticket | None = None
    appointment: Appointment | None = None
    customer: Customer | None = None
    notes: str = ""

    @model_validator(mode="after")
    def _has_subject_id(self) -> QueueEvent:
        kind = self.event.split(".", 1)[0]
        if getattr(self, kind) is None:
            raise ValueError(f"a {self.event} event needs a {kind!r} object")
        return self

    @property
    def reference_id(self) -> str:
        """The id of the ticket or appointment this event is about."""
        ref = self.ticket if self.event.startswith("ticket.") else self.appointment
        return ref.id if ref is not None else ""


class QueueWebhookConfig(WebhookConfig):
    """Which system sends the events."""

    source: str = Field(
        default="queue", min_length=1, max_length=100, description="RawEvent.source value."
    )


def _party(customer: Customer | None) -> tuple[str | None, str | None]:
    """The customer's e-mail address, else a real phone number, with its kind."""
    email = present(customer.email) if customer else None
    phone = phone_party(customer.phone) if customer else None
    if email:
        return email, "email"
    return (phone, "phone") if phone else (None, None)


def to_raw_event(item: QueueEvent, source: str = "queue") -> schemas.RawEvent:
    """Map one queue event: the employee's notes if any, otherwise a generated line."""
    text = item.notes.strip() or _SUMMARY_NL[item.event].format(service=item.service.name)
    metadata: dict[str, JsonValue] = {
        "event": item.event,
        "sequence": item.sequence,
        "branch_id": item.branch.id,
        "branch": item.branch.name,
        "service_id": item.service.id,
    }
    if item.counter:
        metadata["counter"] = item.counter
    if item.appointment is not None and item.appointment.start is not None:
        metadata["appointment_start"] = item.appointment.start.isoformat()
    party, kind = _party(item.customer)
    return schemas.RawEvent(
        id=f"{item.reference_id}:{item.event}:{item.sequence}",
        channel=schemas.Channel.COUNTER,
        source=source,
        occurred_at=item.occurred_at,
        text=text,
        subject=item.service.name,
        party=party,
        party_kind=kind,
        metadata=metadata,
    )


class QueueWebhookConnector(WebhookConnector[QueueWebhookConfig]):
    """Receives ticket and appointment events at /hooks/queue-webhook."""

    name: ClassVar[str] = "queue-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.COUNTER
    config_model: ClassVar[type[ConnectorConfig]] = QueueWebhookConfig
    description: ClassVar[str] = "Queue tickets and appointments from a counter system."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        return parse_single(
            QueueEvent, body, self.name, lambda item: to_raw_event(item, self.config.source)
        )
