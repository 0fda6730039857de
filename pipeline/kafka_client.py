"""Client settings shared by every Kafka client we build (kafka-python and aiokafka agree)."""

from __future__ import annotations

from typing import Any

from pipeline.settings import Settings


def security_kwargs(settings: Settings) -> dict[str, Any]:
    """Security options for a managed cluster (SASL_SSL and friends); empty for PLAINTEXT."""
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": settings.kafka_security_protocol}
    if settings.kafka_sasl_mechanism:
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = settings.kafka_sasl_password
    if settings.kafka_ssl_cafile:
        options["ssl_cafile"] = settings.kafka_ssl_cafile
    return options
