"""Batches events per partition, runs batches of different partitions at once, acks in order.

Two faults to guard against:
- faust-streaming commits up to the highest acked offset even when an earlier one is still in flight
  (faust-streaming #606), so with ``concurrency > 1`` a crash could skip a message. Here the agent
  runs with faust concurrency 1 and manual acks, and ``OrderedAcker`` releases acks per partition
  only once every earlier event of that partition is done;
- two batches of one partition published at once could reorder events of one source id. So at most
  one batch per partition is in flight; concurrency comes from different partitions (up to
  ``max_in_flight`` batches), and a slow partition holds back only itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

Handle = Callable[[Sequence[Any]], Awaitable[None]]
Ack = Callable[[Any], Awaitable[Any]]


class _Slot:
    __slots__ = ("done", "event")

    def __init__(self, event: Any) -> None:
        self.event = event
        self.done = False


class OrderedAcker:
    """Tracks events per topic-partition in arrival order and acks only a done prefix."""

    def __init__(self, ack: Ack) -> None:
        self._ack = ack
        self._queues: dict[Any, deque[_Slot]] = {}
        self._slot_of: dict[int, _Slot] = {}

    def track(self, event: Any) -> None:
        slot = _Slot(event)
        self._queues.setdefault(event.message.tp, deque()).append(slot)
        self._slot_of[id(event)] = slot

    async def done(self, events: Sequence[Any]) -> None:
        partitions = set()
        for event in events:
            self._slot_of.pop(id(event)).done = True
            partitions.add(event.message.tp)
        for tp in partitions:
            queue = self._queues[tp]
            while queue and queue[0].done:
                await self._ack(queue.popleft().event)

    def pending(self) -> int:
        return sum(len(queue) for queue in self._queues.values())


class BatchDispatcher:
    """Collects events per partition into batches (size or age); one batch per partition at once."""

    def __init__(
        self,
        handle: Handle,
        acker: OrderedAcker,
        *,
        max_batch: int,
        max_wait_s: float,
        max_in_flight: int,
        max_buffered: int | None = None,
    ) -> None:
        self._handle = handle
        self._acker = acker
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._slots = asyncio.Semaphore(max_in_flight)
        self._max_buffered = max_buffered or max_batch * 20
        self._buffers: dict[Any, list[Any]] = {}
        self._buffered = 0
        self._busy: set[Any] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._failure: BaseException | None = None

    async def add(self, event: Any) -> None:
        """Take one event; raises the failure of an earlier batch so that the agent crashes."""
        if self._failure is not None:
            raise self._failure
        self._acker.track(event)
        tp = event.message.tp
        buffer = self._buffers.setdefault(tp, [])
        buffer.append(event)
        self._buffered += 1
        if len(buffer) >= self._max_batch and tp not in self._busy:
            await self._start(tp)
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_wait_s, self._flush_soon)
        while self._buffered > self._max_buffered and self._failure is None:
            self._progress.clear()  # backpressure: a stalled partition must not fill memory
            await self._progress.wait()

    def _flush_soon(self) -> None:
        self._timer = None
        self._spawn(self.flush())

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Start a batch for every partition that has events and no batch in flight."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for tp in [tp for tp, buffer in self._buffers.items() if buffer and tp not in self._busy]:
            await self._start(tp)

    async def _start(self, tp: Any) -> None:
        if tp in self._busy or not self._buffers.get(tp):
            return
        self._busy.add(tp)
        await self._slots.acquire()
        buffer = self._buffers.pop(tp)
        batch, rest = buffer[: self._max_batch], buffer[self._max_batch :]
        if rest:  # the rest waits for this partition's next batch
            self._buffers[tp] = rest
        self._buffered -= len(batch)
        self._spawn(self._run(tp, batch))

    async def _run(self, tp: Any, batch: list[Any]) -> None:
        try:
            await self._handle(batch)
            await self._acker.done(batch)
        except BaseException as exc:  # not acked: the batch is re-read after the crash
            self._failure = exc
            raise
        finally:
            self._slots.release()
            self._busy.discard(tp)
            self._progress.set()
        if self._buffers.get(tp):
            await self._start(tp)

    async def drain(self) -> None:
        """Run what is buffered and wait for every batch in flight (shutdown, rebalance)."""
        await self.flush()
        while self._tasks or any(self._buffers.values()):
            if self._tasks:
                await asyncio.gather(*list(self._tasks), return_exceptions=True)
            if self._failure is not None:
                break
            await self.flush()
        if self._failure is not None:
            raise self._failure
