"""The only Kafka code of the connector runtime: a kafka-python producer as a Sink, and the
reader of stored positions. Kept apart so that everything else is testable without a broker.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from kafka import KafkaProducer
from kafka.errors import KafkaError
from pydantic import JsonValue

from pipeline.connect.offsets import latest_positions
from pipeline.connect.sink import Headers, SinkError
from pipeline.errors import SamenspelError
from pipeline.kafka_client import open_groupless_consumer, records_to_end, security_kwargs
from pipeline.settings import Settings


def _settle(future: asyncio.Future[None], error: BaseException | None) -> None:
    if future.done():  # the awaiting request was cancelled meanwhile
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(SinkError(f"{type(error).__name__}: {error}"))


class KafkaSink:
    """kafka-python's idempotent producer (acks=all) behind the Sink interface.

    kafka-python completes its futures on its I/O thread; ``send`` hands the outcome back to the
    event loop, so awaiting it means: the broker acknowledged the record.
    """

    def __init__(
        self,
        settings: Settings,
        client_id: str,
        *,
        linger_ms: int = 5,
        compression_type: str | None = None,
        max_block_ms: int = 10_000,
    ) -> None:
        try:
            self._producer = KafkaProducer(
                bootstrap_servers=settings.bootstrap_list(),
                client_id=client_id,
                acks="all",
                enable_idempotence=True,
                linger_ms=linger_ms,
                compression_type=compression_type,
                max_block_ms=max_block_ms,
                **security_kwargs(settings),
            )
        except KafkaError as exc:
            raise SamenspelError(
                f"cannot reach Kafka at {settings.kafka_bootstrap_servers}: {exc}"
            ) from None

    async def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        try:
            pending = self._producer.send(topic, value=value, key=key, headers=list(headers))
        except KafkaError as exc:
            raise SinkError(f"{type(exc).__name__}: {exc}") from exc
        pending.add_callback(lambda _meta: loop.call_soon_threadsafe(_settle, done, None))
        pending.add_errback(lambda exc: loop.call_soon_threadsafe(_settle, done, exc))
        await done

    async def prepare(self, topics: Iterable[str]) -> None:
        """Fetch topic metadata in a thread, so that a first send does not block the event loop."""
        loop = asyncio.get_running_loop()
        for topic in topics:
            try:
                await loop.run_in_executor(None, self._producer.partitions_for, topic)
            except KafkaError as exc:
                raise SinkError(f"no metadata for {topic}: {exc}") from exc

    async def close(self, timeout: float = 10.0) -> None:
        """Flush what is buffered and close; called once at shutdown."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: self._producer.close(timeout=timeout))


def read_offsets_topic(
    settings: Settings, topic: str, timeout_s: float = 30.0
) -> list[tuple[bytes | None, bytes | None]]:
    """Every (key, value) on ``topic`` from the beginning to the current end (blocking)."""
    try:
        consumer, assigned = open_groupless_consumer(
            settings, [topic], client_id="samenspel-connect-positions", missing_ok=True
        )
    except SamenspelError as exc:
        raise SinkError(f"cannot read {topic}: {exc}") from None
    try:
        return [(r.key, r.value) for r in records_to_end(consumer, assigned, timeout_s=timeout_s)]
    except TimeoutError:
        raise SinkError(f"timed out reading {topic} to its end") from None
    except KafkaError as exc:
        raise SinkError(f"cannot read {topic}: {exc}") from exc
    finally:
        consumer.close()


def position_loader(settings: Settings) -> Callable[[str], Awaitable[dict[str, JsonValue]]]:
    """A PositionLoader that reads the compacted offsets topic to its end in a thread."""

    async def load(connector: str) -> dict[str, JsonValue]:
        loop = asyncio.get_running_loop()
        topic = settings.topic("connect.offsets")
        entries = await loop.run_in_executor(None, read_offsets_topic, settings, topic)
        return latest_positions(entries, connector)

    return load
