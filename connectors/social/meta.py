"""Meta (Facebook page / Instagram) webhooks: feed posts and comments, and direct messages.

Meta batches: one POST holds ``entry[]``, each with ``changes[]`` (``field: "feed"`` on pages,
``"comments"``/``"mentions"`` on Instagram) or ``messaging[]``. Every usable item is one record;
reactions, likes and removals are not interactions and are skipped. Meta signs the raw body with
``X-Hub-Signature-256`` and no timestamp, so ``require_timestamp`` defaults to false here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import partial
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, JsonValue, ValidationError

import schemas
from connectors.contract import (
    BadRecord,
    ConnectorConfig,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from connectors.web.payload import SourceModel, describe, validate_body


class Sender(SourceModel):
    id: str
    name: str | None = None
    username: str | None = None


class FeedValue(SourceModel):
    """``value`` of a page ``feed`` change or an Instagram ``comments`` change."""

    item: str | None = None
    verb: str = "add"
    message: str | None = None
    text: str | None = None  # Instagram comments
    id: str | None = None  # Instagram comments
    post_id: str | None = None
    comment_id: str | None = None
    parent_id: str | None = None
    created_time: int | str | None = None
    sender: Sender | None = Field(default=None, alias="from")


class Change(SourceModel):
    field: str
    value: dict[str, JsonValue]


class Message(SourceModel):
    mid: str
    text: str | None = None
    is_echo: bool = False


class Messaging(SourceModel):
    sender: Sender
    timestamp: int
    message: Message | None = None


class Entry(SourceModel):
    id: str
    time: int
    changes: list[Change] = Field(default_factory=list)
    messaging: list[Messaging] = Field(default_factory=list)


class Delivery(SourceModel):
    """One POST from Meta."""

    object: Literal["page", "instagram"]
    entry: list[Entry]


class MetaWebhookConfig(WebhookConfig):
    """Meta signs the body only; the verify token answers the subscribe handshake."""

    require_timestamp: bool = Field(default=False, description="Meta sends no timestamp header.")
    source: str = Field(
        default="meta", min_length=1, max_length=100, description="RawEvent.source value."
    )


_FEED_ITEMS = {"post", "status", "comment", "photo", "video", "share"}


def _time(value: int | str | None, fallback: int, field: str) -> datetime:
    """Meta gives unix seconds, unix milliseconds or ISO 8601 (with +0000) depending on field.

    Anything unusable is a ValueError naming the field, so that only its item is a BadRecord.
    """
    try:
        return _parse_time(fallback if value is None else value)
    except (ValueError, OverflowError, OSError):
        raise ValueError(f"{field}: not a usable time: {value!r}") from None


def _parse_time(value: int | str) -> datetime:
    if isinstance(value, str) and not value.isdigit():
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a time without a zone is not guessed")
        return moment
    number = int(value)
    if number > 10**11:  # milliseconds
        number //= 1000
    return datetime.fromtimestamp(number, UTC)


def _feed_event(obj: str, entry: Entry, change: Change, source: str) -> schemas.RawEvent | None:
    value = FeedValue.model_validate(change.value)
    if change.field == "feed" and (value.item not in _FEED_ITEMS or value.verb == "remove"):
        return None
    text = value.message if value.message is not None else value.text
    item_id = value.comment_id or value.id or value.post_id
    if item_id is None or not text:
        return None
    kind = value.item or ("comment" if change.field == "comments" else change.field)
    metadata: dict[str, JsonValue] = {"object": obj, "field": change.field, "item": kind}
    metadata.update(verb=value.verb, page_id=entry.id)
    if value.post_id:
        metadata["post_id"] = value.post_id
    if value.parent_id:
        metadata["parent_id"] = value.parent_id
    return schemas.RawEvent(
        id=f"{item_id}:{value.verb}",
        channel=schemas.Channel.SOCIAL,
        source=source,
        occurred_at=_time(value.created_time, entry.time, "created_time"),
        text=text,
        party=value.sender.id if value.sender else None,
        party_kind="handle" if value.sender else None,
        metadata=metadata,
    )


def _message_event(obj: str, entry: Entry, item: Messaging, source: str) -> schemas.RawEvent | None:
    if item.message is None or item.message.is_echo or not item.message.text:
        return None  # echoes are the page's own replies; attachments without text carry nothing
    return schemas.RawEvent(
        id=item.message.mid,
        channel=schemas.Channel.SOCIAL,
        source=source,
        occurred_at=_time(item.timestamp, entry.time, "timestamp"),
        text=item.message.text,
        party=item.sender.id,
        party_kind="handle",
        metadata={"object": obj, "field": "messages", "page_id": entry.id},
    )


class MetaWebhookConnector(WebhookConnector[MetaWebhookConfig]):
    """Receives page and Instagram webhooks at /hooks/meta-webhook."""

    name: ClassVar[str] = "meta-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.SOCIAL
    config_model: ClassVar[type[ConnectorConfig]] = MetaWebhookConfig
    description: ClassVar[str] = "Facebook page and Instagram feed, comments and messages."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        delivery = validate_body(Delivery, body, self.name)
        if isinstance(delivery, BadRecord):
            return [delivery]
        records: list[SourceRecord | BadRecord] = []
        source = self.config.source
        for entry in delivery.entry:
            for change in entry.changes:
                build = partial(_feed_event, delivery.object, entry, change, source)
                records.extend(self._one(change, build))
            for item in entry.messaging:
                build = partial(_message_event, delivery.object, entry, item, source)
                records.extend(self._one(item, build))
        return records

    def _one(
        self, item: BaseModel, build: Callable[[], schemas.RawEvent | None]
    ) -> list[SourceRecord | BadRecord]:
        """The item's record, nothing for a skipped item, or a BadRecord with the item's JSON."""
        try:
            event = build()
        except ValueError as exc:  # pydantic's ValidationError is a ValueError
            reason = describe(exc) if isinstance(exc, ValidationError) else str(exc)
            payload = json.dumps(item.model_dump(mode="json", by_alias=True)).encode()
            return [BadRecord(payload, f"{self.name}: {reason}")]
        return [] if event is None else [SourceRecord(event, None)]
