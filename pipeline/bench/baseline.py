"""The baseline: a bare aiokafka consume → produce loop with no processing at all.

This is the practical ceiling for a Python process on this broker: the worker's rate is reported
as a ratio of it. It pays what the worker pays for delivery (consumer group, batches, acks=all,
idempotence, wait for every ack, commit) and nothing else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer

from pipeline.bench.kafka_io import aiokafka_security, producer
from pipeline.errors import SamenspelError
from pipeline.settings import Settings
from pipeline.worker.dispatch import BATCH_MAX


async def forward(
    settings: Settings,
    sources: Sequence[str],
    target: str,
    *,
    expect: int,
    group: str,
    timeout_s: float = 300.0,
    batch_max: int = BATCH_MAX,
    producer_options: dict[str, Any] | None = None,
) -> int:
    """Copy records from ``sources`` to ``target`` until ``expect`` were forwarded; return count.

    ``producer_options`` override the worker's producer settings (used to price each setting).
    """
    consumer = AIOKafkaConsumer(
        *sources,
        bootstrap_servers=settings.bootstrap_list(),
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **aiokafka_security(settings),
    )
    client = producer(settings, **(producer_options or {}))
    await consumer.start()
    await client.start()
    forwarded = 0
    try:
        async with asyncio.timeout(timeout_s):
            while forwarded < expect:
                batches = await consumer.getmany(timeout_ms=100, max_records=batch_max)
                futures = [
                    await client.send(target, value=record.value, key=record.key)
                    for records in batches.values()
                    for record in records
                ]
                if futures:
                    await asyncio.gather(*futures)
                    await consumer.commit()
                    forwarded += len(futures)
    except TimeoutError:
        raise SamenspelError(
            f"baseline forwarded only {forwarded} of {expect} records in {timeout_s:.0f} s"
        ) from None
    finally:
        await client.stop()
        await consumer.stop()
    return forwarded
