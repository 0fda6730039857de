"""What the runtime and the webhook receiver produce for each record: topic, key, value, headers.

Pure functions, shared by both so that a polled record and a webhook record look identical.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

import schemas
from connectors.contract import BadRecord, SourceRecord
from pipeline.connect.sink import Headers
from pipeline.settings import Settings
from schemas import limits

# Channels without a raw topic of their own share one with a related channel (docs/connectors.md).
_RAW_TOPIC_OF_CHANNEL: dict[schemas.Channel, str] = {
    schemas.Channel.EMAIL: "web",
    schemas.Channel.FIELD: "neighbourhood",
}


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Kafka record to produce."""

    topic: str
    key: bytes | None
    value: bytes
    headers: Headers = ()


def raw_topic(settings: Settings, channel: schemas.Channel) -> str:
    """The raw topic of a channel: e-mail goes to raw.web, field work to raw.neighbourhood."""
    return settings.topic(f"raw.{_RAW_TOPIC_OF_CHANNEL.get(channel, channel.value)}")


def event_record(settings: Settings, record: SourceRecord) -> Outgoing:
    """The raw event as JSON on its channel's raw topic, keyed by the event id."""
    event = record.event
    return Outgoing(
        topic=raw_topic(settings, event.channel),
        key=event.id.encode(),
        value=orjson.dumps(event.model_dump(mode="json")),
    )


def dead_letter_record(
    settings: Settings,
    connector: str,
    record: BadRecord,
    worker: str,
    now: datetime | None = None,
    error_class: str = "BadRecord",
) -> Outgoing:
    """The unparseable payload, unchanged, on the dead-letter topic; the facts go in headers."""
    failed_at = (now or datetime.now(UTC)).isoformat()
    headers: list[tuple[str, bytes]] = [
        ("samenspel_stage", b"connector"),
        ("samenspel_error_class", error_class.encode()),
        ("samenspel_error_message", record.reason[: limits.MAX_ERROR_MESSAGE].encode()),
        ("samenspel_original_topic", f"connector:{connector}".encode()),
        ("samenspel_original_partition", record.partition.encode()),
        ("samenspel_worker", worker.encode()),
        ("samenspel_failed_at", failed_at.encode()),
    ]
    return Outgoing(
        topic=settings.topic("deadletter"),
        key=f"{connector}/{record.partition}".encode(),
        value=record.payload,
        headers=headers,
    )
