"""Worker pieces without Kafka: ordered acks, batch dispatch, dedupe expiry."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import pytest

from pipeline.worker.batch import seen_value
from pipeline.worker.dispatch import BatchDispatcher, OrderedAcker


@dataclass
class Message:
    tp: tuple[str, int]
    offset: int


@dataclass
class Event:
    message: Message


def event(partition: int, offset: int) -> Event:
    return Event(Message(("raw", partition), offset))


@dataclass
class AckLog:
    acked: list[tuple[int, int]] = field(default_factory=list)

    async def ack(self, ev: Any) -> None:
        self.acked.append((ev.message.tp[1], ev.message.offset))


def test_acks_wait_for_every_earlier_event_of_the_partition() -> None:
    """A later event that finishes first is not acked until the earlier one is done."""
    log = AckLog()
    acker = OrderedAcker(log.ack)
    events = [event(0, 0), event(0, 1), event(1, 0)]
    for ev in events:
        acker.track(ev)
    asyncio.run(acker.done([events[1], events[2]]))
    assert log.acked == [(1, 0)]
    asyncio.run(acker.done([events[0]]))
    assert log.acked == [(1, 0), (0, 0), (0, 1)]
    assert acker.pending() == 0


def test_slow_batch_holds_back_acks_while_later_batches_finish() -> None:
    """With several batches in flight, a slow one blocks acks of its partition only."""
    log = AckLog()
    release = asyncio.Event()

    async def handle(batch: list[Any]) -> None:
        if any(ev.message.offset == 0 for ev in batch):
            await release.wait()

    async def scenario() -> list[tuple[int, int]]:
        dispatcher = BatchDispatcher(
            handle, OrderedAcker(log.ack), max_batch=2, max_wait_s=0.01, max_in_flight=3
        )
        for offset in range(6):
            await dispatcher.add(event(0, offset))
        await asyncio.sleep(0.05)
        during = list(log.acked)
        release.set()
        await dispatcher.drain()
        return during

    during = asyncio.run(scenario())
    assert during == []
    assert log.acked == [(0, offset) for offset in range(6)]


def test_a_failed_batch_is_not_acked_and_stops_the_agent() -> None:
    """A batch that raises is never acked, and the next add raises the failure."""
    log = AckLog()

    async def handle(batch: list[Any]) -> None:
        raise RuntimeError("boom")

    async def scenario() -> None:
        dispatcher = BatchDispatcher(
            handle, OrderedAcker(log.ack), max_batch=1, max_wait_s=0.01, max_in_flight=1
        )
        await dispatcher.add(event(0, 0))
        await asyncio.sleep(0.01)
        await dispatcher.add(event(0, 1))

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(scenario())
    assert log.acked == []


def test_partial_batches_flush_after_the_wait() -> None:
    """Fewer events than a batch still get processed once the wait has passed."""
    log = AckLog()
    seen: list[int] = []

    async def handle(batch: list[Any]) -> None:
        seen.extend(ev.message.offset for ev in batch)

    async def scenario() -> None:
        dispatcher = BatchDispatcher(
            handle, OrderedAcker(log.ack), max_batch=100, max_wait_s=0.01, max_in_flight=1
        )
        await dispatcher.add(event(2, 7))
        await asyncio.sleep(0.1)

    asyncio.run(scenario())
    assert seen == [7]
    assert log.acked == [(2, 7)]


def test_seen_value_keeps_time_and_partition() -> None:
    """The dedupe value records when and where an id was published."""
    assert seen_value(1700000000.9, 4) == b"1700000000:4"


def test_one_batch_per_partition_keeps_order_and_other_partitions_move_on() -> None:
    """A stalled partition holds back only itself; its own batches run one after the other."""
    log = AckLog()
    release = asyncio.Event()
    handled: list[list[tuple[int, int]]] = []
    running: set[int] = set()

    async def handle(batch: list[Any]) -> None:
        partitions = {ev.message.tp[1] for ev in batch}
        assert len(partitions) == 1, "a batch holds one partition"
        (partition,) = partitions
        assert partition not in running, "two batches of one partition at once"
        running.add(partition)
        try:
            if partition == 0 and any(ev.message.offset == 0 for ev in batch):
                await release.wait()
            handled.append([(ev.message.tp[1], ev.message.offset) for ev in batch])
        finally:
            running.discard(partition)

    async def scenario() -> list[tuple[int, int]]:
        dispatcher = BatchDispatcher(
            handle, OrderedAcker(log.ack), max_batch=2, max_wait_s=0.005, max_in_flight=4
        )
        for offset in range(6):
            await dispatcher.add(event(0, offset))
            await dispatcher.add(event(1, offset))
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        during = list(log.acked)
        release.set()
        await dispatcher.drain()
        return during

    during = asyncio.run(scenario())
    assert during == [(1, offset) for offset in range(6)]
    partition_zero = [item for batch in handled for item in batch if item[0] == 0]
    assert partition_zero == [(0, offset) for offset in range(6)]
    assert sorted(log.acked) == sorted([(p, o) for p in (0, 1) for o in range(6)])


def test_a_cancelled_send_is_retried_not_counted_as_published() -> None:
    """A send future cancelled (producer stopping) is a failure: retried, never acked as sent."""
    from pipeline.worker.batch import BatchProcessor, Output

    attempts: list[int] = []

    class Topic:
        async def send(self, **kwargs: Any) -> asyncio.Future[None]:
            future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            attempts.append(1)
            if len(attempts) == 1:
                future.cancel()
            else:
                future.set_result(None)
            return future

    processor = BatchProcessor.__new__(BatchProcessor)
    processor.send_all = None
    out = Output(Topic(), b"k", b"v", [], event(0, 0))
    asyncio.run(processor._publish([out]))
    assert len(attempts) == 2
