"""Read the tail of one feed partition: the ids a crashed predecessor published but did not commit.

The worker publishes the outputs of raw partition ``p`` to feed partition ``p`` and only this worker
writes there while it owns ``p``. After a crash, the events it will see again are the ones after the
last committed raw offset, and whatever of them reached the feed is among the newest records of feed
partition ``p``. Reading those before processing closes the window between "feed acknowledged" and
"seen table written" that a plain at-least-once pipeline leaves open.
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from pipeline.kafka_client import security_kwargs
from pipeline.settings import Settings

TAIL_RECORDS = 20_000


class FeedTail:
    """Fetches the keys of the newest records of a feed partition."""

    def __init__(self, settings: Settings, topic: str, tail_records: int = TAIL_RECORDS) -> None:
        self.settings = settings
        self.topic = topic
        self.tail_records = tail_records

    async def keys(self, partition: int) -> set[bytes]:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            enable_auto_commit=False,
            group_id=None,
            # aborted transactions (exactly_once) never reached the feed; without them, same result
            isolation_level="read_committed",
            client_id=f"{self.settings.worker_id}-feed-tail",
            **_aiokafka_security(self.settings),
        )
        await consumer.start()
        try:
            tp = TopicPartition(self.topic, partition)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]  # the last stable offset
            start = max((await consumer.beginning_offsets([tp]))[tp], end - self.tail_records)
            consumer.seek(tp, start)
            keys: set[bytes] = set()
            while await consumer.position(tp) < end:
                batches = await consumer.getmany(tp, timeout_ms=1000, max_records=5000)
                for record in batches.get(tp, []):
                    if record.key is not None:
                        keys.add(record.key)
            return keys
        finally:
            await consumer.stop()


def _aiokafka_security(settings: Settings) -> dict[str, Any]:
    options = security_kwargs(settings)
    if options.get("ssl_cafile"):
        from aiokafka.helpers import create_ssl_context

        options["ssl_context"] = create_ssl_context(cafile=options.pop("ssl_cafile"))
    return options
