"""The connector contract: what a connector gives the runtime, and the signals it may raise.

Connectors only parse what a source says into :class:`schemas.RawEvent`; they never touch Kafka.
The runtime (``pipeline.connect``) produces, stores positions, retries and dead-letters, so that
every connector gets at-least-once delivery and resumption without writing that logic again.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr

import schemas

__all__ = [
    "BadRecord",
    "ConfigT",
    "Connector",
    "ConnectorConfig",
    "ConnectorError",
    "EndOfInput",
    "NotConnected",
    "RetryLater",
    "SourceRecord",
    "WebhookConfig",
    "WebhookConnector",
]


class ConnectorConfig(BaseModel):
    """Base for every connector's declared config; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


class WebhookConfig(ConnectorConfig):
    """Base for webhook configs: the receiver reads these fields to authenticate requests."""

    secret: SecretStr = Field(description="HMAC-SHA256 key of X-Hub-Signature-256.")
    verify_token: str | None = Field(default=None, description="Meta subscribe handshake token.")
    require_timestamp: bool = Field(
        default=True, description="Require X-Samenspel-Timestamp (signed as '<ts>.<body>')."
    )


ConfigT = TypeVar("ConfigT", bound=ConnectorConfig)


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record from a source, carrying the source's resume position after this record."""

    event: schemas.RawEvent
    position: JsonValue
    partition: str = "default"


@dataclass(frozen=True, slots=True)
class BadRecord:
    """Source data that cannot be parsed; the runtime sends it to the dead-letter topic."""

    payload: bytes
    reason: str
    position: JsonValue = None
    partition: str = "default"


class ConnectorError(Exception):
    """Base of the typed signals a connector raises to tell the runtime what to do."""


class RetryLater(ConnectorError):  # noqa: N818 (a signal, named by the contract)
    """A transient problem (rate limit, 5xx): the runtime backs off and reads again."""

    def __init__(self, message: str = "retry later", retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotConnected(ConnectorError):  # noqa: N818
    """The connection is lost: the runtime reports unhealthy and reconnects with backoff."""


class EndOfInput(ConnectorError):  # noqa: N818
    """A one-shot import is complete: the runtime flushes, stores positions and stops."""


class Connector(abc.ABC, Generic[ConfigT]):
    """A polling or reading connector: the runtime calls connect, then iterates read, then close."""

    name: ClassVar[str]
    channel: ClassVar[schemas.Channel]
    config_model: ClassVar[type[ConnectorConfig]]
    description: ClassVar[str]

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    @abc.abstractmethod
    async def connect(self, positions: Mapping[str, JsonValue]) -> None:
        """Open the source and resume after ``positions`` (partition -> last stored position)."""

    @abc.abstractmethod
    def read(self) -> AsyncIterator[SourceRecord | BadRecord]:
        """Yield records (an async generator); may raise RetryLater, NotConnected or EndOfInput."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the source; called once per instance, also after an error.

        After NotConnected (or a Kafka failure) the runtime builds a new instance and connects it
        with the positions stored so far, so an instance never has to support a second connect.
        """


class WebhookConnector(abc.ABC, Generic[ConfigT]):
    """A connector fed by HTTP POSTs at ``/hooks/<name>``; its config has ``secret: SecretStr``."""

    name: ClassVar[str]
    channel: ClassVar[schemas.Channel]
    config_model: ClassVar[type[ConnectorConfig]]
    description: ClassVar[str]

    def __init__(self, config: ConfigT) -> None:
        self.config = config

    @abc.abstractmethod
    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        """Turn one request body into records (pure); raise ValueError if the body is unusable."""
