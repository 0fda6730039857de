"""Web-chat transcripts by webhook: one record per finished conversation.

Payload (documented in docs/connectors-reference.md)::

    {"conversation_id": "...", "topic": "Parkeervergunning" | null, "language": "nl" | null,
     "page": "/parkeren/vergunning", "started_at": "<RFC 3339>", "ended_at": "<RFC 3339>",
     "resident": {"email": "..."} | null,
     "messages": [{"role": "resident" | "agent" | "bot", "sent_at": "<RFC 3339>", "text": "..."}]}

The text is what the resident wrote; the agent's answers only count in the metadata.
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
from connectors.web.payload import SourceModel, parse_single, present


class Message(SourceModel):
    role: Literal["resident", "agent", "bot"]
    sent_at: AwareDatetime
    text: str = ""  # an attachment or a card carries no text


class Resident(SourceModel):
    email: str | None = None


class Transcript(SourceModel):
    """One finished conversation."""

    conversation_id: str = Field(min_length=1, max_length=150)
    topic: str | None = None
    language: str | None = None
    page: str | None = None
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    resident: Resident | None = None
    messages: list[Message] = Field(min_length=1)


class WebchatConfig(WebhookConfig):
    """Which chat platform sends the transcripts."""

    source: str = Field(
        default="webchat", min_length=1, max_length=100, description="RawEvent.source value."
    )


def to_raw_event(chat: Transcript, source: str = "webchat") -> schemas.RawEvent:
    """Map one transcript: the resident's messages in order become the text."""
    said = [m.text.strip() for m in sorted(chat.messages, key=lambda m: m.sent_at)]
    roles = [m.role for m in sorted(chat.messages, key=lambda m: m.sent_at)]
    resident_text = [text for text, role in zip(said, roles, strict=True) if role == "resident"]
    metadata: dict[str, JsonValue] = {
        "messages": len(chat.messages),
        "resident_messages": len(resident_text),
        "agent_messages": roles.count("agent"),
        "bot_messages": roles.count("bot"),
    }
    if chat.page:
        metadata["page"] = chat.page
    if chat.ended_at is not None:
        metadata["duration_seconds"] = int((chat.ended_at - chat.started_at).total_seconds())
    email = present(chat.resident.email) if chat.resident is not None else None
    return schemas.RawEvent(
        id=chat.conversation_id,
        channel=schemas.Channel.WEB,
        source=source,
        occurred_at=chat.started_at,
        text="\n".join(t for t in resident_text if t),
        subject=chat.topic,
        language=chat.language,
        party=email,
        party_kind="email" if email else None,
        metadata=metadata,
    )


class WebchatWebhookConnector(WebhookConnector[WebchatConfig]):
    """Receives chat transcripts at /hooks/webchat-webhook."""

    name: ClassVar[str] = "webchat-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.WEB
    config_model: ClassVar[type[ConnectorConfig]] = WebchatConfig
    description: ClassVar[str] = "Web-chat transcripts (resident and agent messages)."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        return parse_single(
            Transcript, body, self.name, lambda item: to_raw_event(item, self.config.source)
        )
