"""Client settings shared by every Kafka client we build (kafka-python and aiokafka agree)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from pipeline.errors import SamenspelError
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


def open_groupless_consumer(
    settings: Settings,
    topics: list[str],
    *,
    client_id: str,
    wait_s: float = 0.0,
    missing_ok: bool = False,
) -> tuple[Any, list[Any]]:
    """A kafka-python consumer without a group, assigned every partition of ``topics``.

    Readers of whole topics (the dead-letter tools, the demo's feed view, the connector runtime's
    positions) commit nothing and must not join or disturb a consumer group. A topic that does
    not appear within ``wait_s`` seconds is one readable error, or skipped with ``missing_ok``.
    """
    from kafka import KafkaConsumer, TopicPartition
    from kafka.errors import KafkaError

    try:
        consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap_list(),
            enable_auto_commit=False,
            client_id=client_id,
            **security_kwargs(settings),
        )
    except KafkaError as exc:
        raise SamenspelError(
            f"no Kafka broker answers at {settings.kafka_bootstrap_servers}: {exc}"
        ) from None
    assigned = []
    deadline = time.monotonic() + wait_s
    for topic in topics:
        partitions = consumer.partitions_for_topic(topic)
        while not partitions and time.monotonic() < deadline:
            time.sleep(0.3)
            partitions = consumer.partitions_for_topic(topic)
        if not partitions and missing_ok:
            continue
        if not partitions:
            consumer.close()
            raise SamenspelError(
                f"topic {topic} does not exist (run 'samenspel topics apply' first)"
            )
        assigned += [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(assigned)
    return consumer, assigned


def records_to_end(
    consumer: Any, assigned: list[Any], *, timeout_s: float | None = None
) -> Iterator[Any]:
    """Every record of the ``assigned`` partitions from the beginning to their current end.

    Raises TimeoutError when ``timeout_s`` passes before the end is reached.
    """
    if not assigned:
        return
    consumer.seek_to_beginning(*assigned)
    ends = consumer.end_offsets(assigned)
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while any(consumer.position(tp) < ends[tp] for tp in assigned):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError("timed out reading to the end")
        for records in consumer.poll(timeout_ms=500).values():
            yield from records
