"""Runtime configuration, read once from the environment (pydantic-settings).

Every setting has an environment variable; the names are part of the operations contract
(docs/operations.md). Values are validated on load so that a bad value fails at start.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pipeline.errors import SamenspelError

RAW_CHANNELS: tuple[str, ...] = ("phone", "counter", "web", "social", "neighbourhood")

_OPTIONAL_TEXT = (
    "kafka_sasl_username",
    "kafka_sasl_password",
    "kafka_ssl_cafile",
    "pseudonym_key",
    "rules_file",
    "data_dir",
)
"""Optional settings where a variable set to blanks counts as unset, as the harnesses pass it."""


def _is_host_port(server: str) -> bool:
    """``host:port`` with a plain host (no scheme such as ``http://``) and a port of 1-65535."""
    host, sep, port = server.rpartition(":")
    if not sep or not host or any(char in host for char in "/ \t"):
        return False
    return port.isascii() and port.isdigit() and 0 < int(port) < 65536


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
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: str | None = None
    kafka_ssl_cafile: str | None = None

    pseudonym_key: str | None = Field(
        default=None, description="Secret HMAC key for party pseudonyms."
    )
    pseudonym_key_id: str = Field(default="k1", pattern=r"^[A-Za-z0-9_-]{1,16}$")
    oin: str = Field(default="00000000000000000000", pattern=r"^\d{20}$")
    rules_file: str | None = None
    review_threshold: float = Field(default=0.40, ge=0.0, le=1.0, allow_inf_nan=False)

    worker_id: str = Field(default="worker", min_length=1)
    data_dir: str | None = Field(default=None, description="faust's local data directory.")
    web_host: str = Field(default="127.0.0.1", min_length=1)  # blank would listen everywhere
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
            if not _is_host_port(server.strip()):
                raise ValueError(f"expected host:port (port 1-65535), got {server.strip()!r}")
        return value

    @field_validator(*_OPTIONAL_TEXT, mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """``SAMENSPEL_RULES_FILE=`` means the packaged rules, not the folder ``.``."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _sasl_complete(self) -> Settings:
        if not self.kafka_security_protocol.startswith("SASL_"):
            return self
        missing = [
            name
            for name in ("kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password")
            if getattr(self, name) is None
        ]
        if missing:
            names = ", ".join(env_name(name) for name in missing)
            protocol = f"SAMENSPEL_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}"
            raise ValueError(f"{protocol} also needs {names}")
        return self

    def topic(self, name: str) -> str:
        """Full topic name for a short name such as ``raw.phone`` or ``interactions``."""
        return f"{self.topic_prefix}.{name}"

    def raw_topics(self) -> list[str]:
        return [self.topic(f"raw.{channel}") for channel in RAW_CHANNELS]

    def bootstrap_list(self) -> list[str]:
        return [server.strip() for server in self.kafka_bootstrap_servers.split(",")]


def env_name(field: str) -> str:
    """The environment variable of a settings field, as an operator writes it."""
    alias = Settings.model_fields[field].validation_alias
    return alias if isinstance(alias, str) else f"SAMENSPEL_{field.upper()}"


def describe_setting_error(exc: ValidationError) -> str:
    """The first problem in one line naming the variable, e.g. ``SAMENSPEL_WEB_PORT: ...``."""
    first = exc.errors()[0]
    message = first["msg"].removeprefix("Value error, ")
    if first["loc"]:  # a field or its alias; a check across fields names them itself
        where = str(first["loc"][0])
        message = f"{env_name(where) if where in Settings.model_fields else where}: {message}"
    more = len(exc.errors()) - 1
    return message + (f" (and {more} more)" if more else "")


def _check_files(settings: Settings) -> None:
    """A CA file that is not there would surface as "no broker answers"; name it instead.

    Checked here, not in the model: the manifests are validated on machines without the file.
    """
    cafile = settings.kafka_ssl_cafile
    if cafile is not None and not os.path.isfile(cafile):
        raise SamenspelError(f"bad setting SAMENSPEL_KAFKA_SSL_CAFILE: no such file {cafile!r}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Load settings once; a validation error becomes one readable SamenspelError."""
    try:
        settings = Settings()
    except ValidationError as exc:
        raise SamenspelError(f"bad setting {describe_setting_error(exc)}") from None
    _check_files(settings)
    return settings
