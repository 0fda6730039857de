"""The connector runtime: read records, produce them, store positions, retry, dead-letter, stop.

Delivery is at least once. A position is stored only after Kafka acknowledged every record it
covers; after a failure the runtime builds a new connector and resumes from the stored positions,
so records after them may be sent again (their ids are stable, the worker drops duplicates).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import JsonValue

from connectors.contract import (
    BadRecord,
    Connector,
    ConnectorConfig,
    EndOfInput,
    NotConnected,
    RetryLater,
    SourceRecord,
)
from pipeline.connect import metrics
from pipeline.connect.backoff import Backoff
from pipeline.connect.http import Health
from pipeline.connect.offsets import PositionTracker, offset_record
from pipeline.connect.records import Outgoing, dead_letter_record, event_record
from pipeline.connect.sink import Sink, SinkError
from pipeline.errors import SamenspelError
from pipeline.logs import get_logger
from pipeline.settings import Settings

PositionLoader = Callable[[str], Awaitable[dict[str, JsonValue]]]
"""Reads the stored positions of a connector (partition -> position); raises SinkError."""

RECOVERABLE: tuple[type[BaseException], ...] = (
    NotConnected,
    RetryLater,  # raised by connect(); from read() it only pauses reading
    SinkError,
    OSError,
    TimeoutError,
)
"""Failures after which the runtime reconnects with backoff instead of stopping."""

_END = object()
_log = get_logger(__name__)


def require_pseudonym_key(settings: Settings) -> None:
    """Privacy policy: no connector, worker or receiver runs without a pseudonym key."""
    if not settings.pseudonym_key:
        raise SamenspelError("no pseudonym key configured: set SAMENSPEL_PSEUDONYM_KEY")


class ConnectorRuntime:
    """Runs one connector until its input ends or ``stop`` is set."""

    def __init__(
        self,
        connector_cls: type[Connector[Any]],
        config: ConnectorConfig,
        settings: Settings,
        sink: Sink,
        load_positions: PositionLoader,
        *,
        backoff: Backoff | None = None,
        commit_interval: float = 1.0,
        max_in_flight: int = 1000,
        queue_size: int = 1000,
        worker: str | None = None,
        health: Health | None = None,
    ) -> None:
        require_pseudonym_key(settings)
        self.connector_cls = connector_cls
        self.name = connector_cls.name
        self.config = config
        self.settings = settings
        self.sink = sink
        self.load_positions = load_positions
        self.backoff = backoff or Backoff()
        self.commit_interval = commit_interval
        self.max_in_flight = max_in_flight
        self.queue_size = queue_size
        self.worker = worker or f"connect:{self.name}@{socket.gethostname()}"
        self.health = health or Health(self.name)
        self.tracker = PositionTracker()
        self._pending: list[asyncio.Task[None]] = []
        self._commit_lock = asyncio.Lock()
        self._last_commit = time.monotonic()
        self._poisoned = False  # a send failed: no position may be stored until we rewind
        self._produced = metrics.RECORDS_PRODUCED.labels(
            connector=self.name, channel=connector_cls.channel.value
        )

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Run until the input ends (EndOfInput) or ``stop`` is set; then flush and store positions.

        A connector bug (any exception that is not a signal or a connection failure) stops the
        runtime after storing what was acknowledged, and is raised.
        """
        stop = stop or asyncio.Event()
        main = asyncio.create_task(self._loop())
        stopper = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait({main, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            main.cancel()
            await asyncio.wait({main})  # never raises main's outcome; only our own cancellation
            try:
                await self._commit()
            except SinkError as exc:
                _log.warning("final positions not stored", connector=self.name, error=str(exc))
            self.health.down("stopped")
        error = None if main.cancelled() else main.exception()
        if error is not None:
            raise error

    async def _loop(self) -> None:
        self.tracker = PositionTracker(await self._retrying(self._load))
        while True:
            connector = self.connector_cls(self.config)
            try:
                try:
                    await connector.connect(dict(self.tracker.stored))
                except EndOfInput:
                    _log.info("nothing to read", connector=self.name)
                    return
                self.health.up()
                if await self._session(connector):
                    await self._commit()
                    _log.info("input ended", connector=self.name)
                    return
            except RECOVERABLE as exc:
                await self._recover(exc)
            finally:
                with contextlib.suppress(Exception):
                    await connector.close()

    async def _load(self) -> dict[str, JsonValue]:
        return await self.load_positions(self.name)

    async def _retrying(self, step: Callable[[], Awaitable[dict[str, JsonValue]]]) -> Any:
        while True:
            try:
                return await step()
            except RECOVERABLE as exc:
                self.health.down(f"{type(exc).__name__}: {exc}")
                metrics.RETRIES.labels(connector=self.name, reason=type(exc).__name__).inc()
                await asyncio.sleep(self.backoff.next_delay())

    async def _recover(self, exc: BaseException) -> None:
        """Drop unacknowledged sends, back off; the next connector starts at stored positions."""
        self.health.down(f"{type(exc).__name__}: {exc}")
        metrics.RETRIES.labels(connector=self.name, reason=type(exc).__name__).inc()
        _log.warning("connector failed, retrying", connector=self.name, error=str(exc))
        # Store what Kafka did acknowledge (refused when a send failed), so fewer records repeat.
        with contextlib.suppress(SinkError):
            await self._commit()
        await self._drain()
        self.tracker.rewind()
        self._poisoned = False
        hint = exc.retry_after if isinstance(exc, RetryLater) else None
        await asyncio.sleep(self.backoff.next_delay(hint))

    async def _session(self, connector: Connector[Any]) -> bool:
        """Pump records until the input ends (True); RetryLater restarts ``read`` after a pause."""
        while True:
            queue: asyncio.Queue[object] = asyncio.Queue(self.queue_size)
            reader = asyncio.create_task(_read_into(connector, queue))
            try:
                outcome = await self._pump(queue)
            finally:
                # asyncio.wait, not "await reader": suppressing the reader's CancelledError
                # there would also swallow a cancellation of this task (a stop request).
                reader.cancel()
                await asyncio.wait({reader})
                if not reader.cancelled():
                    reader.exception()
            if outcome is _END or isinstance(outcome, EndOfInput):
                return True
            if isinstance(outcome, RetryLater):
                self.health.down(f"retry later: {outcome}")
                metrics.RETRIES.labels(connector=self.name, reason="RetryLater").inc()
                await self._commit()
                await asyncio.sleep(self.backoff.next_delay(outcome.retry_after))
                self.health.up()
                continue
            assert isinstance(outcome, BaseException)
            raise outcome

    async def _pump(self, queue: asyncio.Queue[object]) -> object:
        """Send records as they come and store positions every ``commit_interval``."""
        while True:
            due = self._last_commit + self.commit_interval - time.monotonic()
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for returns a result that
                # arrives together with a cancellation and so swallows the stop request.
                async with asyncio.timeout(max(due, 0.001)):
                    item = await queue.get()
            except TimeoutError:
                await self._commit()
                continue
            if not isinstance(item, SourceRecord | BadRecord):
                return item
            self._send(item)
            if len(self._pending) >= self.max_in_flight or due <= 0:
                await self._commit()

    def _send(self, item: SourceRecord | BadRecord) -> None:
        """Hand one record to the sink; its position counts once the send is acknowledged."""
        if isinstance(item, SourceRecord):
            out = event_record(self.settings, item)
            done: Callable[[], None] = self._produced.inc
        else:
            out = dead_letter_record(self.settings, self.name, item, self.worker)
            done = metrics.DEAD_LETTERS.labels(connector=self.name).inc
            _log.warning("bad record to dead letters", connector=self.name, reason=item.reason)
        self._pending.append(asyncio.create_task(self._deliver(out, done)))
        if item.position is not None:
            self.tracker.advance(item.partition, item.position)

    async def _deliver(self, out: Outgoing, done: Callable[[], None]) -> None:
        await self.sink.send(out.topic, out.key, out.value, out.headers)
        done()

    async def _commit(self) -> None:
        """Wait for every send so far, then store the positions they cover and wait for that too."""
        async with self._commit_lock:
            tasks, positions = list(self._pending), self.tracker.snapshot()
            if tasks:
                # asyncio.wait, not gather: cancelling us must not cancel sends already made.
                await asyncio.wait(tasks)
                del self._pending[: len(tasks)]
                failed = [t.exception() for t in tasks if t.exception() is not None]
                if failed:
                    self._poisoned = True
                    raise SinkError(f"{len(failed)} record(s) not acknowledged: {failed[0]}")
                self.backoff.reset()
            if self._poisoned:
                raise SinkError("an earlier record was not acknowledged; positions not stored")
            if positions:
                stores = [
                    asyncio.create_task(self._store(partition, position))
                    for partition, position in positions.items()
                ]
                await asyncio.wait(stores)
                errors = [t.exception() for t in stores if t.exception() is not None]
                if errors:
                    raise SinkError(f"positions not stored: {errors[0]}")
                self.tracker.mark_stored(positions)
                metrics.LAST_POSITION_TIME.labels(connector=self.name).set_to_current_time()
            self._last_commit = time.monotonic()

    async def _store(self, partition: str, position: JsonValue) -> None:
        record = offset_record(self.name, partition, position)
        topic = self.settings.topic("connect.offsets")
        await self.sink.send(topic, record.key(), record.value(), ())

    async def _drain(self) -> None:
        """Wait for sends still in flight; their outcome no longer matters after a failure."""
        tasks, self._pending = self._pending, []
        if tasks:
            await asyncio.wait(tasks)
            for task in tasks:
                task.exception()  # retrieve, so asyncio does not log "never retrieved"


async def _read_into(connector: Connector[Any], queue: asyncio.Queue[object]) -> None:
    """Run the connector's read generator; pass records, its end or its signal through ``queue``."""
    try:
        async for item in connector.read():
            await queue.put(item)
    except Exception as exc:
        await queue.put(exc)
    else:
        await queue.put(_END)
