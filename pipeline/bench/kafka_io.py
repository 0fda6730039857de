"""aiokafka plumbing for the bench: create topics, produce events (paced or flat out), read a
topic's keys and record timestamps until enough arrived."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from pipeline.bench.events import BenchEvent
from pipeline.errors import SamenspelError
from pipeline.kafka_client import security_kwargs
from pipeline.settings import Settings
from pipeline.topics import TopicSpec, apply_topics, load_topic_specs

PRODUCER_SETTINGS: dict[str, Any] = {"acks": "all", "enable_idempotence": True}
"""What the worker's producer uses (pipeline.worker.transport); the baseline must pay the same."""


def aiokafka_security(settings: Settings) -> dict[str, Any]:
    """security_kwargs in aiokafka's spelling (an SSL context instead of a CA file)."""
    options = security_kwargs(settings)
    cafile = options.pop("ssl_cafile", None)
    if cafile or options.get("security_protocol", "PLAINTEXT").endswith("SSL"):
        options["ssl_context"] = ssl.create_default_context(cafile=cafile)
    return options


def create_bench_topics(settings: Settings, extra: Sequence[str] = ()) -> None:
    """The prefix's topics from topics.yaml, plus scratch topics shaped like the raw ones."""
    specs = load_topic_specs(settings.topic_prefix)
    raw = next(spec for spec in specs if spec.name == settings.raw_topics()[0])
    specs += [
        TopicSpec(name, raw.partitions, raw.replication_factor, dict(raw.config)) for name in extra
    ]
    try:
        apply_topics(specs, settings.bootstrap_list(), **security_kwargs(settings))
    except SamenspelError:
        raise
    except Exception as exc:
        raise SamenspelError(f"cannot create bench topics: {type(exc).__name__}: {exc}") from None


def partition_count(settings: Settings, short_name: str) -> int:
    """Partitions of a topic as declared in topics.yaml (scratch topics copy the raw ones)."""
    specs = {spec.name: spec for spec in load_topic_specs(settings.topic_prefix)}
    spec = specs.get(settings.topic(short_name)) or specs[settings.raw_topics()[0]]
    return spec.partitions


def producer(settings: Settings, **options: Any) -> AIOKafkaProducer:
    """An aiokafka producer with the worker's delivery settings unless ``options`` override them."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_list(),
        **{**PRODUCER_SETTINGS, **aiokafka_security(settings), **options},
    )


async def produce_events(
    settings: Settings, events: Sequence[BenchEvent], *, rate: float | None = None
) -> dict[str, int]:
    """Produce each event to its raw topic; return interaction id -> record timestamp (ms).

    With ``rate`` the sends are paced (events per second, in 10 ms steps) and each record carries
    the time it was offered, so that latency includes any queueing in the producer.
    """
    sent: dict[str, int] = {}
    client = producer(settings, linger_ms=5 if rate is None else 0)
    await client.start()
    try:
        futures = []
        started = time.monotonic()
        for index, event in enumerate(events):
            if rate is not None:
                due = started + index / rate
                delay = due - time.monotonic()
                if delay > 0.01:
                    await asyncio.sleep(delay)
            stamp = int(time.time() * 1000)
            sent[event.interaction_id] = stamp
            futures.append(
                await client.send(
                    settings.topic(f"raw.{event.channel}"),
                    value=event.value,
                    key=event.key,
                    timestamp_ms=stamp,
                )
            )
        await asyncio.gather(*futures)
    finally:
        await client.stop()
    return sent


@dataclass
class TopicTail:
    """Reads one topic from the start (no group) and keeps key -> record timestamps.

    ``partitions`` is given (the bench created the topic from topics.yaml) because aiokafka has no
    public way to wait for a topic's metadata without subscribing with a group.
    """

    settings: Settings
    topic: str
    partitions: int
    stamps: dict[bytes, list[int]] = field(default_factory=dict)
    count: int = 0

    async def read_until(self, expect: int, timeout_s: float) -> None:
        """Collect records until ``expect`` were read or ``timeout_s`` passed (then raise)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_list(),
            enable_auto_commit=False,
            isolation_level="read_committed",
            **aiokafka_security(self.settings),
        )
        await consumer.start()
        try:
            tps = [TopicPartition(self.topic, p) for p in range(self.partitions)]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            deadline = time.monotonic() + timeout_s
            while self.count < expect:
                if time.monotonic() > deadline:
                    raise SamenspelError(
                        f"only {self.count} of {expect} records arrived on {self.topic} "
                        f"within {timeout_s:.0f} s"
                    )
                batches = await consumer.getmany(timeout_ms=500, max_records=5000)
                for records in batches.values():
                    for record in records:
                        self.stamps.setdefault(record.key or b"", []).append(record.timestamp)
                        self.count += 1
        finally:
            await consumer.stop()

    def first_stamps(self) -> list[int]:
        return [stamps[0] for stamps in self.stamps.values()]
