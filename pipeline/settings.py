"""Runtime configuration, read once from the environment (pydantic-settings).

Every setting has an environment variable; the names are part of the operations contract
(docs/operations.md). Values are validated on load so that a bad value fails at start.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import SamenspelError
from schemas.validation import describe_validation_error

RAW_CHANNELS: tuple[str, ...] = ("phone", "counter", "web", "social", "neighbourhood")


class Settings(BaseSettings):
    """All samenspel settings; see docs/operations.md for each variable."""

    model_config = SettingsConfigDict(
        env_prefix="SAMENSPEL_", extra="ignore", populate_by_name=True
    )

    kafka_bootstrap_servers: str = Field(
        default="localhost:9092",
        validation_alias="KAFKA_BOOTSTRAP_SERVERS",
        description="Comma-separated host:port list of Kafka brokers.",
    )
    topic_prefix: str = Field(default="samenspel", pattern=r"^[A-Za-z0-9._-]{1,100}$")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None

    pseudonym_key: str | None = Field(
        default=None, description="Secret HMAC key for party pseudonyms."
    )
    pseudonym_key_id: str = Field(default="k1", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    oin: str = Field(default="00000000000000000000", pattern=r"^\d{20}$")
    rules_file: str | None = None
    review_threshold: float = Field(default=0.40, ge=0.0, le=1.0)

    worker_id: str = "worker"
    data_dir: str | None = Field(default=None, description="faust's local data directory.")
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, ge=1, le=65535)
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"
    worker_concurrency: int = Field(
        default=4, ge=1, le=64, description="Batches a worker runs at once (acks stay in order)."
    )
    session_timeout_s: float = Field(
        default=30.0, ge=6.0, le=300.0, description="Consumer-group session timeout of the worker."
    )
    dedupe_window_s: int = Field(default=7 * 24 * 3600, ge=60)
    max_event_bytes: int = Field(
        default=512 * 1024, ge=1024, description="Larger raw events are dead-lettered."
    )

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _check_bootstrap(cls, value: str) -> str:
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"expected host:port, got {server.strip()!r}")
        return value

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as ``raw.phone`` or ``interactions``."""
        return f"{self.topic_prefix}.{name}"

    def raw_topics(self) -> list[str]:
        return [self.topic(f"raw.{channel}") for channel in RAW_CHANNELS]

    def bootstrap_list(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",")]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once; a validation error becomes one readable SamenspelError."""
    try:
        return Settings()
    except ValidationError as exc:
        problem = describe_validation_error(exc, 1, whole="settings")
        raise SamenspelError(f"bad setting {problem}") from None
