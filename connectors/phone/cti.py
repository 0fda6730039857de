"""CTI / contact-centre call events by webhook: one record per ended call and per wrap-up.

Payload (documented in docs/connectors-reference.md)::

    {"event": "call.ended" | "call.wrap_up", "occurred_at": "<RFC 3339>",
     "call": {"id", "direction", "queue": {"id", "name"}, "caller": {"number"},
              "agent": {"id"}, "started_at", "answered_at", "ended_at", "wait_seconds",
              "talk_seconds", "disposition"},
     "wrap_up": {"note", "category": {"code", "label"}}}   # only with call.wrap_up
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, JsonValue

import schemas
from connectors.contract import (
    BadRecord,
    ConnectorConfig,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from connectors.web.payload import SourceModel, parse_single, phone_party


class Queue(SourceModel):
    id: str
    name: str


class Caller(SourceModel):
    number: str | None = None


class Agent(SourceModel):
    id: str


class Call(SourceModel):
    id: str = Field(min_length=1, max_length=150)
    direction: Literal["inbound", "outbound"] = "inbound"
    queue: Queue
    caller: Caller = Caller()
    agent: Agent | None = None
    started_at: AwareDatetime
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    wait_seconds: int | None = Field(default=None, ge=0)
    talk_seconds: int | None = Field(default=None, ge=0)
    disposition: Literal["answered", "abandoned", "voicemail", "transferred"] = "answered"


class Category(SourceModel):
    code: str
    label: str | None = None


class WrapUp(SourceModel):
    note: str = ""
    category: Category | None = None


class CallEvent(SourceModel):
    """One event as the CTI platform posts it."""

    event: Literal["call.ended", "call.wrap_up"]
    occurred_at: AwareDatetime
    call: Call
    wrap_up: WrapUp | None = None


class CtiWebhookConfig(WebhookConfig):
    """CTI events are signed with the shared secret; the source name labels the platform."""

    source: str = Field(
        default="cti", min_length=1, max_length=100, description="RawEvent.source value."
    )


_DISPOSITIONS_NL = {
    "answered": "beantwoord",
    "abandoned": "opgehangen in de wachtrij",
    "voicemail": "voicemail",
    "transferred": "doorverbonden",
}


def to_raw_event(item: CallEvent, source: str = "cti") -> schemas.RawEvent:
    """Map one call event: a wrap-up carries the agent's note, an ended call a generated line."""
    call = item.call
    direction = "Inkomend" if call.direction == "inbound" else "Uitgaand"
    text = (
        f"{direction} gesprek naar {call.queue.name} ({call.talk_seconds or 0} s), "
        f"{_DISPOSITIONS_NL[call.disposition]}"
    )
    subject = call.queue.name
    metadata: dict[str, JsonValue] = {
        "event": item.event,
        "call_id": call.id,
        "direction": call.direction,
        "queue_id": call.queue.id,
        "queue": call.queue.name,
        "disposition": call.disposition,
        "wait_seconds": call.wait_seconds,
        "talk_seconds": call.talk_seconds,
    }
    if item.wrap_up is not None:
        if item.wrap_up.note.strip():
            text = item.wrap_up.note.strip()
        if item.wrap_up.category is not None:
            subject = item.wrap_up.category.label or item.wrap_up.category.code
            metadata["category_code"] = item.wrap_up.category.code
    if call.ended_at is not None:
        metadata["ended_at"] = call.ended_at.isoformat()
    party = phone_party(call.caller.number)
    return schemas.RawEvent(
        id=f"{call.id}:{item.event}",
        channel=schemas.Channel.PHONE,
        source=source,
        occurred_at=call.started_at,
        text=text,
        subject=subject,
        party=party,
        party_kind="phone" if party else None,
        metadata={key: value for key, value in metadata.items() if value is not None},
    )


class CtiWebhookConnector(WebhookConnector[CtiWebhookConfig]):
    """Receives call.ended and call.wrap_up events at /hooks/cti-webhook."""

    name: ClassVar[str] = "cti-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.PHONE
    config_model: ClassVar[type[ConnectorConfig]] = CtiWebhookConfig
    description: ClassVar[str] = "Call events (ended, wrap-up note) from a CTI platform."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        return parse_single(
            CallEvent, body, self.name, lambda item: to_raw_event(item, self.config.source)
        )
