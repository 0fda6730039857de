"""Batches events, runs several batches at once, and acks strictly in offset order.

faust-streaming commits up to the highest acked offset even when an earlier one is still in flight
(faust-streaming #606), so with ``concurrency > 1`` a crash could skip a message. Here the agent
runs with faust concurrency 1 and manual acks; up to ``max_in_flight`` batches run at once,
and ``OrderedAcker`` releases acks per partition only once every earlier event of that partition is
done. faust therefore never sees an ack beyond a message still in flight.
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
    """Collects events into batches (size or age) and runs at most ``max_in_flight`` at once."""

    def __init__(
        self,
        handle: Handle,
        acker: OrderedAcker,
        *,
        max_batch: int,
        max_wait_s: float,
        max_in_flight: int,
    ) -> None:
        self._handle = handle
        self._acker = acker
        self._max_batch = max_batch
        self._max_wait_s = max_wait_s
        self._slots = asyncio.Semaphore(max_in_flight)
        self._buffer: list[Any] = []
        self._timer: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None

    async def add(self, event: Any) -> None:
        """Take one event; raises the failure of an earlier batch so that the agent crashes."""
        if self._failure is not None:
            raise self._failure
        self._acker.track(event)
        self._buffer.append(event)
        if len(self._buffer) >= self._max_batch:
            await self.flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._max_wait_s, self._flush_soon)

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.ensure_future(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self) -> None:
        """Start a batch of what is buffered, waiting for a free slot first (backpressure)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        await self._slots.acquire()
        task = asyncio.ensure_future(self._run(batch))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, batch: list[Any]) -> None:
        try:
            await self._handle(batch)
            await self._acker.done(batch)
        except BaseException as exc:  # not acked: the batch is re-read after the crash
            self._failure = exc
            raise
        finally:
            self._slots.release()

    async def drain(self) -> None:
        """Run what is buffered and wait for every batch in flight (shutdown, rebalance)."""
        await self.flush()
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._failure is not None:
            raise self._failure
