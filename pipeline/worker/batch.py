"""One batch of raw events: run the chain, drop duplicates, publish, wait for every acknowledgement.

Only when ``handle`` returns may the batch be acked (dispatch.py acks in offset order). A crash
before that re-delivers the batch; the ``seen`` table and the primed feed tail drop what had already
made it to the feed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from faust.streams import (
    _current_event,  # the context faust uses to pick a table's changelog partition
)

from pipeline import stats
from pipeline.chain import Chain, serialise
from pipeline.cloudevents import feed_headers
from pipeline.logs import get_logger
from pipeline.normalise import StageError
from pipeline.worker import metrics
from pipeline.worker.feed_tail import FeedTail
from schemas import Interaction

log = get_logger(__name__)
Headers = list[tuple[str, bytes]]
Send = Callable[..., Awaitable[Any]]
MAX_PUBLISH_BACKOFF_S = 10.0
RECENT_MAX = 50


@dataclass
class Output:
    """A message to produce, with the event it came from."""

    topic: Any
    key: bytes | None
    value: bytes
    headers: Headers
    event: Any
    interaction: Interaction | None = None
    partition: int | None = None


@dataclass
class BatchProcessor:
    """Processes batches of faust events; owns nothing but references to tables and topics."""

    chain: Chain
    feed: Any
    deadletter: Any
    seen: Any
    counts: Any
    worker_id: str
    oin: str
    channel_of_topic: dict[str, str] = field(default_factory=dict)
    recent: deque[bytes] = field(default_factory=lambda: deque(maxlen=RECENT_MAX))
    in_flight: set[bytes] = field(default_factory=set)
    feed_tail: FeedTail | None = None
    primed: set[int] = field(default_factory=set)
    send_all: Callable[[Sequence[Output]], Awaitable[list[Any]]] | None = None
    """exactly_once: sends outputs inside their source partitions' transactions (app.py)."""
    settle: Callable[[], Awaitable[Any]] | None = None
    """exactly_once: hands the buffered table changelog writes to the producer before the ack,
    so that they join the transaction that commits the batch's offsets."""

    async def handle(self, events: Sequence[Any]) -> None:
        """Process one batch (one partition's events); batches of other partitions run alongside."""
        outputs: list[Output] = []
        batch_ids: set[bytes] = set()
        try:
            await self._handle(events, outputs, batch_ids)
        finally:
            self.in_flight -= batch_ids

    def expire_seen(self, now: float, window_s: float) -> int:
        """Forget ids published more than ``window_s`` ago (tombstones keep the changelog small)."""
        expired = []
        for key, value in list(self.seen.data.items()):
            stamp, _, partition = value.partition(b":")
            if now - int(stamp) > window_s:
                expired.append((key, int(partition)))
        for key, partition in expired:
            self.seen.data.pop(key, None)
            self.seen.send_changelog(partition, key, None, value_serializer="raw")
        return len(expired)

    def forget_partitions(self) -> None:
        """After a rebalance every partition is primed again before its first batch."""
        self.primed.clear()

    async def _prime(self, events: Sequence[Any]) -> None:
        """Load the ids already on the feed partitions of this batch (see feed_tail.py)."""
        if self.feed_tail is None:
            return
        for partition in sorted({event.message.partition for event in events} - self.primed):
            keys = await self.feed_tail.keys(partition)
            stamp = seen_value(time.time(), partition)
            for key in keys:
                self.seen.data[key] = stamp  # local only: the feed itself is the durable record
            self.primed.add(partition)
            log.info("feed partition primed", partition=partition, ids=len(keys))

    async def _handle(
        self, events: Sequence[Any], outputs: list[Output], batch_ids: set[bytes]
    ) -> None:
        await self._prime(events)
        for event in events:
            message = event.message
            channel = self.channel_of_topic.get(message.topic, "unknown")
            metrics.EVENTS_IN.labels(channel).inc()
            try:
                interaction = self.chain.process_bytes(message.value)
            except StageError as error:
                outputs.append(self._dead_letter(event, error))
                continue
            key = interaction.id.encode()
            if key in self.in_flight or self.seen.get(key) is not None:
                # in flight in this or a concurrent batch: that one is published or re-delivered
                metrics.DUPLICATES.labels(channel).inc()
                continue
            batch_ids.add(key)
            self.in_flight.add(key)
            headers = feed_headers(interaction, oin=self.oin)
            outputs.append(
                Output(
                    self.feed, key, serialise(interaction), headers, event, interaction,
                    partition=event.message.partition,
                )
            )  # fmt: skip
        if outputs:
            await self._publish(outputs)
        self._remember(outputs)
        if self.settle is not None:
            await self.settle()

    def _dead_letter(self, event: Any, error: StageError) -> Output:
        message = event.message
        metrics.DEAD_LETTERS.labels(error.stage).inc()
        log.warning(
            "event dead-lettered",
            stage=error.stage,
            error_class=error.error_class,
            reason=error.message,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
        )
        headers = [
            ("samenspel_stage", error.stage.encode()),
            ("samenspel_error_class", error.error_class.encode()),
            ("samenspel_error_message", error.message[:2000].encode()),
            ("samenspel_original_topic", message.topic.encode()),
            ("samenspel_original_partition", str(message.partition).encode()),
            ("samenspel_original_offset", str(message.offset).encode()),
            ("samenspel_worker", self.worker_id.encode()),
            ("samenspel_failed_at", datetime.now(UTC).isoformat().encode()),
        ]
        value = message.value if message.value is not None else b""
        return Output(self.deadletter, message.key, value, headers, event)

    async def _publish(self, outputs: list[Output]) -> None:
        """Send all outputs and wait for every acknowledgement; retry what failed, never give up."""
        pending = outputs
        backoff = 0.2
        while pending:
            if self.send_all is not None:
                sends = await self.send_all(pending)
            else:
                sends = [await _topic_send(out) for out in pending]
            results = await asyncio.gather(*sends, return_exceptions=True)
            # BaseException: a send cancelled while the producer stops (CancelledError) is not
            # acknowledged either; counting it as sent would ack, and so lose, its event
            failed = [
                out
                for out, result in zip(pending, results, strict=True)
                if isinstance(result, BaseException)
            ]
            if failed:
                metrics.PUBLISH_RETRIES.inc()
                first = next(r for r in results if isinstance(r, BaseException))
                log.error(
                    "publish failed, retrying",
                    failed=len(failed),
                    error=type(first).__name__,
                    backoff_s=backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_PUBLISH_BACKOFF_S)
            pending = failed

    def _remember(self, outputs: list[Output]) -> None:
        """After the acks: mark ids as published and count them, in each event's own partition."""
        now = time.time()
        increments: dict[bytes, tuple[int, Any]] = {}
        debug = log.isEnabledFor(logging.DEBUG)
        for out in outputs:
            if out.interaction is None:
                continue
            message = out.event.message
            if debug:
                with structlog.contextvars.bound_contextvars(interaction_id=out.interaction.id):
                    log.debug(
                        "published",
                        topic=message.topic,
                        partition=message.partition,
                        offset=message.offset,
                    )
            _current_event.set(weakref.ref(out.event))
            self.seen[out.key] = seen_value(now, message.partition)
            stats_key = stats.stats_key(out.interaction, message.partition).encode()
            count, _ = increments.get(stats_key, (0, None))
            increments[stats_key] = (count + 1, out.event)
            metrics.EVENTS_OUT.labels(out.interaction.channel.value, out.interaction.source).inc()
            self.recent.append(out.value)
            if message.timestamp:
                metrics.LATENCY.observe(max(0.0, now - message.timestamp))
        for stats_key, (
            count,
            event,
        ) in increments.items():  # one changelog write per key and batch
            _current_event.set(weakref.ref(event))
            self.counts[stats_key] = str(int(self.counts.get(stats_key, b"0")) + count).encode()
        _current_event.set(None)


async def _topic_send(out: Output) -> Any:
    """at_least_once: faust's own send (the idempotent producer, see transport.py)."""
    return await out.topic.send(
        key=out.key, value=out.value, headers=out.headers, partition=out.partition
    )


def seen_value(moment: float, partition: int) -> bytes:
    """The ``seen`` table's value: when an id was published and in which partition (for expiry)."""
    return f"{int(moment)}:{partition}".encode()
