"""The worker's faust transport (URL scheme ``samenspel://``): two changes to faust's aiokafka one.

Producer: idempotent (acks=all) outside transactions too. faust-streaming enables idempotence only
inside exactly-once transactions; retries of a plain producer may then write duplicates. It can
also send many records to one partition as produce batches built here (``send_records``): one
future per batch instead of faust's message, future, callbacks and sensor calls per record.

Consumer: the messages of the app's bulk topics (the raw topics) go to one callback a fetch at a
time instead of through faust's conductor, stream queue and agent one by one. faust spends four
tasks (``Service.wait_first``) and a few event-loop turns on every message there, which cost more
than the chain and let batches of only one or two events form (docs/performance.md). What faust's
stream does for each message is kept: the read offset and gap bookkeeping, skipping messages of an
old generation or while flow is stopped (a rebalance re-reads them), and tracking each message as
unacked, so that faust's commit and ``wait_empty`` see them. Other topics (table changelogs in
recovery) take faust's own path.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from faust.exceptions import ProducerSendError
from faust.transport.drivers import TRANSPORTS
from faust.transport.drivers import aiokafka as faust_aiokafka

Record = tuple[bytes | None, bytes | None, Sequence[tuple[str, bytes]]]
"""key, value, headers of one record."""


class IdempotentProducer(faust_aiokafka.Producer):
    def _settings_extra(self) -> Mapping[str, Any]:
        return {**super()._settings_extra(), "acks": "all", "enable_idempotence": True}

    async def send_records(
        self,
        topic: str,
        partition: int,
        records: Sequence[Record],
        *,
        transactional_id: str | None = None,
    ) -> list[asyncio.Future[Any]]:
        """Queue ``records`` for one partition as closed produce batches; one future per record.

        A record's future is its batch's future (resolved on the broker's acknowledgement). Closed
        batches do not wait for ``linger_ms``: they are complete. With ``transactional_id`` the
        records join that transaction, under faust's lock for it (held while faust commits).
        """
        async with self._producer_for(transactional_id) as producer:
            futures: list[asyncio.Future[Any]] = []
            batch = producer.create_batch()
            in_batch = 0
            for key, value, headers in records:
                if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:
                    futures += [await self._queue(producer, batch, topic, partition)] * in_batch
                    batch, in_batch = producer.create_batch(), 0
                    if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:
                        raise ProducerSendError(f"a record does not fit a batch for {topic}")
                in_batch += 1
            if in_batch:
                futures += [await self._queue(producer, batch, topic, partition)] * in_batch
            return futures

    @contextlib.asynccontextmanager
    async def _producer_for(self, transactional_id: str | None) -> AsyncIterator[Any]:
        if transactional_id is None:
            yield self._ensure_producer()
            return
        producer = self._transaction_producers.get(transactional_id)
        if producer is None:
            raise ProducerSendError(f"No transaction producer found for : {transactional_id}")
        async with self._trn_locks[transactional_id]:
            yield producer

    @staticmethod
    async def _queue(producer: Any, batch: Any, topic: str, partition: int) -> asyncio.Future[Any]:
        batch.close()  # complete: the sender need not linger for more records
        future: asyncio.Future[Any] = await producer.send_batch(batch, topic, partition=partition)
        return future


@dataclass(frozen=True)
class BulkDelivery:
    """Topics whose messages skip faust's streams, and the callback that takes them instead."""

    topics: frozenset[str]
    deliver: Callable[[list[Any]], Awaitable[None]]


class BulkConsumer(faust_aiokafka.Consumer):
    """faust's consumer, handing the messages of ``app.bulk_delivery`` topics over per fetch."""

    async def _drain_messages(self, fetcher: Any) -> None:
        bulk: BulkDelivery | None = getattr(self.app, "bulk_delivery", None)
        if bulk is None:
            return await super()._drain_messages(fetcher)
        stopped: tuple[type[BaseException], ...] = (
            *self.consumer_stopped_errors,
            asyncio.CancelledError,
        )
        try:
            while not (self.should_stop or fetcher.should_stop):
                await self._drain_once(bulk)
        except stopped:
            if not self.transport.app.should_stop:
                raise
            self.log.info("Consumer shutting down.")

    async def _drain_once(self, bulk: BulkDelivery) -> None:
        """One ``getmany``: its bulk-topic messages go to ``bulk.deliver`` in one call."""
        records = self.getmany(timeout=1.0)
        await asyncio.sleep(0)  # getmany may return at once, again and again
        if self.should_stop:
            return
        messages = []
        async for tp, message in records:
            if not await self._advance(tp, message):
                continue
            if message.topic in bulk.topics:
                messages.append(message)
            else:
                await self.wait_first(self.callback(message), self.suspend_flow.wait())
        await self._maybe_commit()
        current = [message for message in messages if self._current(message)]
        for message in current:
            self.track_message(message)
        if current:
            await bulk.deliver(current)

    async def _advance(self, tp: Any, message: Any) -> bool:
        """Move the read offset; False for an offset read before (after a seek back)."""
        offset, read = message.offset, self._read_offset[tp]
        if read is not None and offset < read:
            return False
        if read and offset - read > 1 and self.app.topics.acks_enabled_for(message.topic):
            await self._add_gap(tp, read + 1, offset)  # e.g. transaction markers, compaction
        self._read_offset[tp] = offset
        return True

    def _current(self, message: Any) -> bool:
        """As faust's stream: messages fetched before a rebalance or while flow stopped are not
        processed (nor tracked); the consumer seeks back to the committed offsets for them."""
        return bool(
            self.app.flow_control.is_active()
            and message.generation_id == self.app.consumer_generation_id
        )

    async def _maybe_commit(self) -> None:
        every = self._commit_every
        if every is not None and self._n_acked >= every:
            self._n_acked = 0
            await self.commit()


class Transport(faust_aiokafka.Transport):
    Consumer = BulkConsumer
    Producer = IdempotentProducer


TRANSPORTS.aliases["samenspel"] = f"{__name__}:Transport"
