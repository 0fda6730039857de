"""One batch of raw events: run the chain, drop duplicates, publish, wait for every acknowledgement.

Only when ``handle`` returns may the batch be acked (dispatch.py acks in offset order). A crash
before that re-delivers the batch; the ``seen`` table and the primed feed tail drop what had already
made it to the feed.

The ``seen`` and ``counts`` tables are written as faust would (local data, then one changelog record
per key in the event's own partition), but their changelog records go out as one produce batch per
partition instead of one buffered faust send each; faust's per-record path cost more than the chain.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog

from pipeline import stats
from pipeline.chain import Chain, serialise
from pipeline.cloudevents import feed_headers
from pipeline.logs import get_logger
from pipeline.normalise import StageError
from pipeline.worker import metrics
from pipeline.worker.feed_tail import FeedTail
from schemas import Interaction

log = get_logger(__name__)
_level = logging.getLogger(__name__)
"""The stdlib logger behind ``log`` (pipeline.logs routes structlog through it): its level says
whether per-event debug lines are wanted, also before logging is configured."""
Headers = list[tuple[str, bytes]]
SendAll = Callable[[Sequence["Output"]], Awaitable[list[Awaitable[Any]]]]
"""Hands outputs to the producer; returns one acknowledgement to await per output."""
MAX_PUBLISH_BACKOFF_S = 10.0
RECENT_MAX = 50


@dataclass
class Output:
    """A record to produce, with the raw message it came from."""

    topic: Any
    key: bytes | None
    value: bytes
    headers: Headers
    message: Any
    interaction: Interaction | None = None
    partition: int | None = None


@dataclass
class BatchProcessor:
    """Processes batches of raw messages; owns nothing but references to tables and topics."""

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
    send_all: SendAll | None = None
    """Queues outputs on the producer (app.py); in exactly_once inside the transaction of each
    output's raw partition, so that the table changelog records join the batch's offsets too.
    None: faust's own ``topic.send`` per output."""

    async def handle(self, messages: Sequence[Any]) -> Awaitable[None]:
        """Process one batch (one partition's messages) up to its outputs (steps 2 and 3).

        Returns the rest, publishing and the table writes (steps 4 and 5), which the dispatcher
        awaits without holding one of its processing slots. Batches of other partitions run
        alongside.
        """
        batch_ids: set[bytes] = set()
        try:
            await self._prime(messages)
            outputs = self._process(messages, batch_ids)
        except BaseException:
            self.in_flight -= batch_ids
            raise
        return self._finish(outputs, batch_ids)

    async def _finish(self, outputs: list[Output], batch_ids: set[bytes]) -> None:
        """Steps 4 and 5: the tables change only once every output is acknowledged."""
        try:
            if outputs:
                await self._publish(outputs)
            changes = self._remember(outputs)
            if changes:
                await self._write_changelog(changes)
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

    async def _prime(self, messages: Sequence[Any]) -> None:
        """Load the ids already on the feed partitions of this batch (see feed_tail.py)."""
        if self.feed_tail is None:
            return
        for partition in sorted({message.partition for message in messages} - self.primed):
            keys = await self.feed_tail.keys(partition)
            stamp = seen_value(time.time(), partition)
            for key in keys:
                self.seen.data[key] = stamp  # local only: the feed itself is the durable record
            self.primed.add(partition)
            log.info("feed partition primed", partition=partition, ids=len(keys))

    def _process(self, messages: Sequence[Any], batch_ids: set[bytes]) -> list[Output]:
        """The chain over every message; ids already published or in flight are dropped."""
        channel = self.channel_of_topic.get(messages[0].topic, "unknown")  # one tp a batch
        metrics.EVENTS_IN.labels(channel).inc(len(messages))
        seen, in_flight, outputs = self.seen.data, self.in_flight, []
        duplicates = 0
        results = self.chain.process_many([message.value for message in messages])
        for message, result in zip(messages, results, strict=True):
            if isinstance(result, Exception):
                outputs.append(self._failed(message, result))
                continue
            key = result.id.encode()
            if key in in_flight or key in seen:
                # in flight in this or a concurrent batch: that one is published or re-delivered
                duplicates += 1
                continue
            try:
                output = Output(
                    self.feed, key, serialise(result), feed_headers(result, oin=self.oin),
                    message, result, partition=message.partition,
                )  # fmt: skip
            except Exception as exc:
                outputs.append(self._failed(message, exc))
                continue
            batch_ids.add(key)
            in_flight.add(key)
            outputs.append(output)
        if duplicates:
            metrics.DUPLICATES.labels(channel).inc(duplicates)
        return outputs

    def _failed(self, message: Any, exc: Exception) -> Output:
        """The dead letter of an event the chain or its feed record failed on.

        A StageError is bad input, dead-lettered with its stage. Anything else is a bug, not bad
        input: dead-lettered as unpublishable, since stopping would stall the partition.
        """
        if isinstance(exc, StageError):
            return self._dead_letter(message, exc)
        log.error("event not publishable", error_class=type(exc).__name__)
        return self._dead_letter(message, _unpublishable(exc))

    def _dead_letter(self, message: Any, error: StageError) -> Output:
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
        return Output(self.deadletter, message.key, value, headers, message)

    async def _publish(self, outputs: list[Output]) -> None:
        """Send all outputs and wait for every acknowledgement; retry what failed, never give up."""
        pending = outputs
        backoff = 0.2
        while pending:
            sends = await self._send(pending)
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

    async def _send(self, outputs: Sequence[Output]) -> list[Awaitable[Any]]:
        if self.send_all is not None:
            return await self.send_all(outputs)
        return [await _topic_send(out) for out in outputs]

    def _remember(self, outputs: list[Output]) -> list[Output]:
        """After the acks: mark ids as published and count them, in each event's own partition.

        Returns the changelog records of these table writes (what ``table[key] = value`` sends).
        """
        now = time.time()
        seen, seen_log = self.seen.data, self.seen.changelog_topic
        changes: list[Output] = []
        increments: dict[bytes, tuple[int, Any]] = {}
        published: Counter[tuple[str, str]] = Counter()
        debug = _level.isEnabledFor(logging.DEBUG)
        for out in outputs:
            if out.interaction is None:
                continue
            message = out.message
            if debug:
                _log_published(out)
            value = seen_value(now, message.partition)
            seen[out.key] = value
            changes.append(Output(seen_log, out.key, value, [], message, None, message.partition))
            stats_key = stats.stats_key(out.interaction, message.partition).encode()
            count, _ = increments.get(stats_key, (0, None))
            increments[stats_key] = (count + 1, message)
            published[(out.interaction.channel.value, out.interaction.source)] += 1
            self.recent.append(out.value)
            if message.timestamp:
                metrics.LATENCY.observe(max(0.0, now - message.timestamp))
        for (channel, source), count in published.items():
            metrics.EVENTS_OUT.labels(channel, source).inc(count)
        return changes + self._count(increments)

    def _count(self, increments: dict[bytes, tuple[int, Any]]) -> list[Output]:
        """Add to the counts; one changelog record per key and batch."""
        counts, counts_log = self.counts.data, self.counts.changelog_topic
        changes = []
        for stats_key, (count, message) in increments.items():
            value = str(int(counts.get(stats_key, b"0")) + count).encode()
            counts[stats_key] = value
            changes.append(
                Output(counts_log, stats_key, value, [], message, None, message.partition)
            )
        return changes

    async def _write_changelog(self, changes: list[Output]) -> None:
        """Hand the table changelog records to the producer; their acks are not awaited.

        As with faust's own table writes: the batch is acked once they are queued (exactly_once:
        queued inside the transaction that will commit the batch's offsets). A failed write is
        logged; after a crash the feed tail, not the changelog, drops what was already published.
        """
        for sent in {id(s): s for s in await self._send(changes)}.values():
            asyncio.ensure_future(sent).add_done_callback(_log_changelog_failure)


def _log_published(out: Output) -> None:
    message = out.message
    assert out.interaction is not None
    with structlog.contextvars.bound_contextvars(interaction_id=out.interaction.id):
        log.debug(
            "published", topic=message.topic, partition=message.partition, offset=message.offset
        )


def _log_changelog_failure(sent: asyncio.Future[Any]) -> None:
    if not sent.cancelled() and sent.exception() is not None:
        log.error("table changelog write failed", error=type(sent.exception()).__name__)


async def _topic_send(out: Output) -> Any:
    """faust's own send, one record at a time (the idempotent producer, see transport.py)."""
    return await out.topic.send(
        key=out.key, value=out.value, headers=out.headers, partition=out.partition
    )


def seen_value(moment: float, partition: int) -> bytes:
    """The ``seen`` table's value: when an id was published and in which partition (for expiry)."""
    return f"{int(moment)}:{partition}".encode()


def _unpublishable(exc: Exception) -> StageError:
    """An unexpected error while building an event's feed record, as a dead-letter reason.

    The chain turns bad input into a StageError of its stage; anything else is a bug that would
    fail again on every retry. Dead-lettered, the event waits for the fix and a replay while its
    partition moves on.
    """
    return StageError("publish", f"{type(exc).__name__}: {exc}"[:500], type(exc).__name__)
