"""An in-memory stand-in for Kafka, so that runtime and receiver tests need no broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from pydantic import JsonValue

from connectors.contract import (
    BadRecord,
    Connector,
    ConnectorConfig,
    EndOfInput,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from pipeline.connect.offsets import latest_positions
from pipeline.connect.sink import Headers, SinkError
from schemas import Channel, RawEvent


@dataclass(frozen=True, slots=True)
class Produced:
    """One acknowledged record."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...]

    def json(self) -> object:
        return orjson.loads(self.value)


@dataclass
class MemorySink:
    """Acknowledges records into ``produced``; set ``failing`` to make every send fail."""

    offsets_topic: str = "samenspel.connect.offsets"
    produced: list[Produced] = field(default_factory=list)
    failing: bool = False
    delay: float = 0.0
    sends: int = 0

    async def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        self.sends += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.failing:
            raise SinkError("memory sink is failing")
        self.produced.append(Produced(topic, key, value, tuple(headers)))

    def on(self, topic: str) -> list[Produced]:
        """Records acknowledged on ``topic``."""
        return [record for record in self.produced if record.topic == topic]

    async def load_positions(self, connector: str) -> dict[str, JsonValue]:
        """What the runtime would read back from the offsets topic at start."""
        if self.failing:
            raise SinkError("memory sink is failing")
        entries = [(r.key, r.value) for r in self.on(self.offsets_topic)]
        return latest_positions(entries, connector)


@dataclass
class ScriptedSource:
    """A source of numbered events; ``script`` maps a record index to a signal raised before it.

    Each scripted signal fires once, so a retried read gets past it, like a source that recovers.
    """

    count: int
    channel: Channel = Channel.PHONE
    script: dict[int, Exception] = field(default_factory=dict)
    bad_at: set[int] = field(default_factory=set)
    connects: list[dict[str, JsonValue]] = field(default_factory=list)
    closes: int = 0
    end_with_signal: bool = True
    follow: bool = False

    def event(self, index: int) -> RawEvent:
        return RawEvent(
            id=f"scripted-{index}",
            channel=self.channel,
            source="scripted",
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=index),
            text=f"melding {index}",
        )


class ScriptedConfig(ConnectorConfig):
    """Nothing to configure: the source is a class attribute of the generated connector."""


def scripted_connector(source: ScriptedSource, name: str = "scripted") -> type[Connector[Any]]:
    """A connector class over ``source``; its position is the index of the next record."""

    class Scripted(Connector[ScriptedConfig]):
        config_model = ScriptedConfig
        description = "Numbered test events with scripted failures."

        async def connect(self, positions: Mapping[str, JsonValue]) -> None:
            source.connects.append(dict(positions))
            stored = positions.get("default", 0)
            self.next = stored if isinstance(stored, int) else 0

        async def read(self) -> AsyncIterator[SourceRecord | BadRecord]:
            while self.next < source.count or source.follow:
                if self.next >= source.count:
                    await asyncio.sleep(0.01)
                    continue
                index = self.next
                signal = source.script.pop(index, None)
                if signal is not None:
                    raise signal
                self.next = index + 1
                if index in source.bad_at:
                    payload = f"kapot {index}".encode()
                    yield BadRecord(payload=payload, reason="not JSON", position=index + 1)
                else:
                    yield SourceRecord(event=source.event(index), position=index + 1)
            if source.end_with_signal:
                raise EndOfInput()

        async def close(self) -> None:
            source.closes += 1

    Scripted.name = name
    Scripted.channel = source.channel
    return Scripted


class EchoWebhookConfig(WebhookConfig):
    """Only the webhook basics: secret, verify token, timestamp requirement."""


class EchoWebhook(WebhookConnector[EchoWebhookConfig]):
    """A test webhook: the body is a JSON list of ``{"id", "text"}``; an item sans text is bad."""

    name = "echo"
    channel = Channel.WEB
    config_model = EchoWebhookConfig
    description = "Test webhook that echoes a JSON list of messages."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        items = orjson.loads(body)  # JSONDecodeError is a ValueError: the receiver answers 400
        if not isinstance(items, list):
            raise ValueError("expected a JSON list")
        records: list[SourceRecord | BadRecord] = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                records.append(BadRecord(payload=orjson.dumps(item), reason="item without text"))
                continue
            event = RawEvent(
                id=str(item["id"]),
                channel=self.channel,
                source="echo",
                occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
                text=item["text"],
            )
            records.append(SourceRecord(event=event, position=None))
        return records
