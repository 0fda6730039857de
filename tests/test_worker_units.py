"""Worker pieces without Kafka: ordered acks, batch dispatch, dedupe expiry."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from pipeline.worker.batch import seen_value
from pipeline.worker.dispatch import BatchDispatcher, OrderedAcker


@dataclass
class Message:
    tp: tuple[str, int]
    offset: int


def event(partition: int, offset: int) -> Message:
    return Message(("raw", partition), offset)


def staged(work: Callable[[list[Any]], Awaitable[None]]) -> Any:
    """A dispatcher handle whose whole work is the part awaited after processing (publishing)."""

    async def handle(batch: list[Any]) -> Awaitable[None]:
        return work(batch)

    return handle


@dataclass
class AckLog:
    acked: list[tuple[int, int]] = field(default_factory=list)

    def ack(self, message: Any) -> None:
        self.acked.append((message.tp[1], message.offset))


def test_acks_wait_for_every_earlier_event_of_the_partition() -> None:
    """A later event that finishes first is not acked until the earlier one is done."""
    log = AckLog()
    acker = OrderedAcker(log.ack)
    events = [event(0, 0), event(0, 1), event(1, 0)]
    for ev in events:
        acker.track(ev)
    acker.done([events[1], events[2]])
    assert log.acked == [(1, 0)]
    acker.done([events[0]])
    assert log.acked == [(1, 0), (0, 0), (0, 1)]
    assert acker.pending() == 0


def test_slow_batch_holds_back_acks_while_later_batches_finish() -> None:
    """With several batches in flight, a slow one blocks acks of its partition only."""
    log = AckLog()
    release = asyncio.Event()

    async def work(batch: list[Any]) -> None:
        if any(message.offset == 0 for message in batch):
            await release.wait()

    async def scenario() -> list[tuple[int, int]]:
        dispatcher = BatchDispatcher(
            staged(work), OrderedAcker(log.ack), max_batch=2, max_in_flight=3
        )
        for offset in range(6):
            await dispatcher.add([event(0, offset)])
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
        dispatcher = BatchDispatcher(handle, OrderedAcker(log.ack), max_batch=1, max_in_flight=1)
        await dispatcher.add([event(0, 0)])
        await asyncio.sleep(0.01)
        await dispatcher.add([event(0, 1)])

    with pytest.raises(RuntimeError, match="boom"):
        asyncio.run(scenario())
    assert log.acked == []


def test_a_lone_message_is_processed_at_once() -> None:
    """A batch does not wait to fill: one message starts a batch in the next loop turn."""
    log = AckLog()
    seen: list[int] = []

    async def work(batch: list[Any]) -> None:
        seen.extend(message.offset for message in batch)

    async def scenario() -> None:
        dispatcher = BatchDispatcher(
            staged(work), OrderedAcker(log.ack), max_batch=100, max_in_flight=1
        )
        await dispatcher.add([event(2, 7)])
        for _ in range(5):  # a few loop turns, no timer
            await asyncio.sleep(0)

    asyncio.run(scenario())
    assert seen == [7]
    assert log.acked == [(2, 7)]


def test_what_arrives_during_a_batch_forms_the_next_batch() -> None:
    """While a partition's batch is in flight its new messages wait, then go as one batch."""
    log = AckLog()
    release = asyncio.Event()
    batches: list[list[int]] = []

    async def work(batch: list[Any]) -> None:
        batches.append([message.offset for message in batch])
        if len(batches) == 1:
            await release.wait()

    async def scenario() -> None:
        dispatcher = BatchDispatcher(
            staged(work), OrderedAcker(log.ack), max_batch=3, max_in_flight=4
        )
        await dispatcher.add([event(0, 0)])
        await asyncio.sleep(0.01)
        await dispatcher.add([event(0, offset) for offset in (1, 2)])
        await dispatcher.add([event(0, offset) for offset in (3, 4)])
        release.set()
        await dispatcher.drain()

    asyncio.run(scenario())
    assert batches == [[0], [1, 2, 3], [4]]  # at most max_batch at once, in offset order
    assert log.acked == [(0, offset) for offset in range(5)]


def test_waiting_for_acknowledgements_holds_no_processing_slot() -> None:
    """With one slot, a batch waiting for its acks does not stop other partitions' batches."""
    log = AckLog()
    release = asyncio.Event()
    processed: list[int] = []

    async def handle(batch: list[Any]) -> Awaitable[None]:
        partition = batch[0].tp[1]
        processed.append(partition)

        async def publish() -> None:
            if partition == 0:
                await release.wait()  # partition 0's acknowledgement is slow

        return publish()

    async def scenario() -> list[tuple[int, int]]:
        dispatcher = BatchDispatcher(handle, OrderedAcker(log.ack), max_batch=10, max_in_flight=1)
        await dispatcher.add([event(0, 0), event(1, 0), event(2, 0)])
        await asyncio.sleep(0.02)
        during = list(log.acked)
        release.set()
        await dispatcher.drain()
        return during

    during = asyncio.run(scenario())
    assert processed == [0, 1, 2]
    assert during == [(1, 0), (2, 0)]
    assert sorted(log.acked) == [(0, 0), (1, 0), (2, 0)]


def test_seen_value_keeps_time_and_partition() -> None:
    """The dedupe value records when and where an id was published."""
    assert seen_value(1700000000.9, 4) == b"1700000000:4"


def test_one_batch_per_partition_keeps_order_and_other_partitions_move_on() -> None:
    """A stalled partition holds back only itself; its own batches run one after the other."""
    log = AckLog()
    release = asyncio.Event()
    handled: list[list[tuple[int, int]]] = []
    running: set[int] = set()

    async def work(batch: list[Any]) -> None:
        partitions = {message.tp[1] for message in batch}
        assert len(partitions) == 1, "a batch holds one partition"
        (partition,) = partitions
        assert partition not in running, "two batches of one partition at once"
        running.add(partition)
        try:
            if partition == 0 and any(message.offset == 0 for message in batch):
                await release.wait()
            handled.append([(message.tp[1], message.offset) for message in batch])
        finally:
            running.discard(partition)

    async def scenario() -> list[tuple[int, int]]:
        dispatcher = BatchDispatcher(
            staged(work), OrderedAcker(log.ack), max_batch=2, max_in_flight=4
        )
        for offset in range(6):
            await dispatcher.add([event(0, offset)])
            await dispatcher.add([event(1, offset)])
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


def test_send_records_fills_batches_and_gives_each_record_its_batch_future() -> None:
    """Records for one partition go out as few closed batches; each record gets its batch's ack."""
    from pipeline.worker.transport import IdempotentProducer

    class Batch:
        def __init__(self) -> None:
            self.records: list[bytes | None] = []
            self.closed = False

        def append(self, *, timestamp: None, key: bytes, value: bytes, headers: Any) -> Any:
            if len(self.records) == 2:  # full
                return None
            self.records.append(key)
            return object()

        def close(self) -> None:
            self.closed = True

    class AioProducer:
        def __init__(self) -> None:
            self.sent: list[tuple[list[bytes | None], bool, str, int]] = []

        def create_batch(self) -> Batch:
            return Batch()

        async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> Any:
            self.sent.append((batch.records, batch.closed, topic, partition))
            return f"ack-{len(self.sent)}"

    aio = AioProducer()
    producer = IdempotentProducer.__new__(IdempotentProducer)
    producer._producer = aio  # what faust's on_start sets
    records = [(f"k{i}".encode(), b"v", []) for i in range(5)]
    futures = asyncio.run(producer.send_records("feed", 3, records))
    assert [sent[0] for sent in aio.sent] == [[b"k0", b"k1"], [b"k2", b"k3"], [b"k4"]]
    assert all(closed and topic == "feed" and p == 3 for _, closed, topic, p in aio.sent)
    assert futures == ["ack-1", "ack-1", "ack-2", "ack-2", "ack-3"]


def test_remember_writes_tables_and_returns_their_changelog_records() -> None:
    """seen and counts change as ``table[key] = value`` would: local data plus one changelog
    record per key in the message's own partition (counts once per key and batch)."""
    from collections import deque
    from datetime import UTC, datetime

    import orjson

    from pipeline import stats
    from pipeline.assembly import build_chain
    from pipeline.settings import Settings
    from pipeline.worker.batch import BatchProcessor, Output

    @dataclass
    class Table:
        changelog_topic: str
        data: dict[bytes, bytes] = field(default_factory=dict)

    @dataclass
    class RawMessage:
        partition: int
        timestamp: float = 0.0

    chain = build_chain(Settings(pseudonym_key="unit-test-key-0123456789abcdef"))
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC).isoformat()
    interactions = [
        chain.process_bytes(
            orjson.dumps(
                {"id": f"x{n}", "channel": "web", "source": "s", "text": "t", "occurred_at": when}
            )
        )
        for n in range(3)
    ]
    processor = BatchProcessor.__new__(BatchProcessor)
    processor.seen, processor.counts = Table("seen-log"), Table("counts-log")
    processor.recent = deque(maxlen=5)
    key = stats.stats_key(interactions[0], 4).encode()
    processor.counts.data[key] = b"10"
    outputs = [
        Output("feed", i.id.encode(), b"{}", [], RawMessage(4), i, partition=4)
        for i in interactions
    ]
    changes = processor._remember(outputs)
    assert set(processor.seen.data) == {i.id.encode() for i in interactions}
    assert processor.counts.data[key] == b"13"
    assert [(c.topic, c.key, c.partition) for c in changes] == [
        *[("seen-log", i.id.encode(), 4) for i in interactions],
        ("counts-log", key, 4),
    ]
    assert changes[-1].value == b"13"


def test_an_unexpected_error_dead_letters_that_event_and_the_batch_goes_on() -> None:
    """A bug on one event (not a StageError) would fail again on every retry: the event goes
    to the dead letters as unpublishable, its neighbours to the feed, nothing raises."""
    from types import SimpleNamespace

    import orjson

    from pipeline.chain import Chain
    from pipeline.privacy import Pseudonymiser
    from pipeline.tagging import Tagger
    from pipeline.worker.batch import BatchProcessor

    chain = Chain(Tagger.load(), Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)
    parse = chain.parse

    def buggy(value: bytes | None) -> Any:
        if value == b"boom":
            raise RuntimeError("a bug")
        return parse(value)

    chain.parse = buggy  # type: ignore[method-assign]
    processor = BatchProcessor(
        chain=chain, feed="feed", deadletter="dead", seen=SimpleNamespace(data={}),
        counts=None, worker_id="w", oin="0" * 20,
    )  # fmt: skip

    def raw(offset: int, value: bytes) -> Any:
        return SimpleNamespace(topic="t.raw.web", partition=0, offset=offset, key=b"k", value=value)

    def good(source_id: str) -> bytes:
        when = "2026-11-30T10:00:00+01:00"
        fields = {"id": source_id, "channel": "web", "source": "s", "occurred_at": when}
        return orjson.dumps(fields | {"text": "lamp kapot"})

    batch_ids: set[bytes] = set()
    outputs = processor._process([raw(1, good("a")), raw(2, b"boom"), raw(3, good("b"))], batch_ids)
    assert [o.topic for o in outputs] == ["feed", "dead", "feed"]
    headers = dict(outputs[1].headers)
    assert headers["samenspel_stage"] == b"publish"
    assert headers["samenspel_error_class"] == b"RuntimeError"
    assert headers["samenspel_error_message"] == b"RuntimeError: a bug"
    assert outputs[1].value == b"boom" and len(batch_ids) == 2
