"""The faust app: one thin agent over the raw topics, two tables, a stats timer and web pages.

Checkpoint order (what makes the feed at-least-once and, with the dedupe, once):
1. the agent reads events without acking them (``noack``) and batches them (dispatch.py);
2. before the first batch of a partition, the ids on the tail of its feed partition are loaded;
3. the chain turns each event into an interaction or a dead letter (pure code); ids already seen
   or in flight are dropped;
4. every output is produced to feed partition = raw partition, and its acknowledgement awaited
   (idempotent producer, acks=all);
5. the ids go into ``seen`` and the counts into ``counts`` (changelog writes);
6. the batch's events are marked done; acks are released per partition in offset order only;
   faust commits acked offsets.
A crash anywhere before 6 re-delivers the batch; steps 2 and 3 drop what already reached the feed.

With ``SAMENSPEL_PROCESSING_GUARANTEE=exactly_once`` faust keeps one Kafka transaction per raw
partition and commits the offsets inside it. Step 4 then writes into the transaction of the event's
raw partition (faust itself would send feed records outside any transaction), step 5 waits until the
changelog writes are handed to that transaction, and step 2 reads only committed feed records. faust
commits a transaction every second, batch boundaries or not: a crash aborts what was sent since,
and the tail (step 2) drops what a commit had already made visible without the batch's offsets. A
read_committed reader thus sees each event once. At shutdown the batches in flight finish before
faust's last commit ends the transactions.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import faust
import orjson
from faust.web import Request, Response, View
from mode.types.signals import BaseSignalT
from prometheus_client import generate_latest

from pipeline import stats
from pipeline.chain import Chain
from pipeline.logs import get_logger
from pipeline.settings import RAW_CHANNELS, Settings
from pipeline.topics import Topology
from pipeline.worker import metrics
from pipeline.worker import transport as _transport  # noqa: F401 - registers the samenspel:// scheme
from pipeline.worker.batch import BatchProcessor, Output
from pipeline.worker.dispatch import BatchDispatcher, OrderedAcker
from pipeline.worker.feed_tail import FeedTail

log = get_logger(__name__)
BATCH_MAX = 500
BATCH_WITHIN_S = 0.02
STATS_PUBLISH_INTERVAL_S = 5.0
SHUTDOWN_GRACE_S = 20.0
EXPIRY_INTERVAL_S = 600.0
DASHBOARD_HTML = Path(__file__).resolve().parent / "dashboard" / "index.html"


def _credentials(settings: Settings) -> Any:
    """faust's credentials for SSL, SASL_PLAINTEXT and SASL_SSL; None for PLAINTEXT."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    import ssl

    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    return faust.SASLCredentials(
        username=settings.kafka_sasl_username,
        password=settings.kafka_sasl_password,
        ssl_context=context if settings.kafka_security_protocol == "SASL_SSL" else None,
        mechanism=settings.kafka_sasl_mechanism,
    )


class WorkerApp(faust.App):
    """faust's App, able to finish the batches in flight before its final offset commit."""

    before_final_commit: Callable[[], Awaitable[None]] | None = None

    async def on_stop(self) -> None:
        if self.before_final_commit is not None and self._consumer is not None:
            self._consumer.stop_flow()  # no new events while the last batches finish
            self.flow_control.suspend()
            await self.before_final_commit()
        await super().on_stop()


def create_app(settings: Settings, chain: Chain, *, topology: Topology) -> faust.App:
    """Build the worker app for a cluster whose raw topics and feed share one partition count."""
    partitions = topology.partitions
    exactly_once = settings.processing_guarantee == "exactly_once"
    app = WorkerApp(
        f"{settings.topic_prefix}-worker",
        broker=[f"samenspel://{server}" for server in settings.bootstrap_list()],
        broker_credentials=_credentials(settings),
        value_serializer="raw",
        key_serializer="raw",
        processing_guarantee=settings.processing_guarantee,
        producer_acks=-1,
        store="memory://",
        topic_partitions=partitions,
        topic_replication_factor=min(3, topology.brokers),  # the tables' changelog topics
        consumer_auto_offset_reset="earliest",
        broker_commit_interval=1.0,
        # how long a killed worker's partitions wait before another takes them over
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 5),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_enabled=True,
        autodiscover=False,
        datadir=settings.data_dir or _default_datadir(settings),
        table_standby_replicas=0,
        producer_linger_ms=5,
        producer_max_batch_size=256 * 1024,
    )
    raw_topics = app.topic(*settings.raw_topics(), key_type=bytes, value_type=bytes)
    feed = app.topic(settings.topic("interactions"), key_type=bytes, value_type=bytes)
    deadletter = app.topic(settings.topic("deadletter"), key_type=bytes, value_type=bytes)
    stats_topic = app.topic(settings.topic("stats"), key_type=bytes, value_type=bytes)
    seen = app.Table("seen", default=None, key_type=bytes, value_type=bytes, partitions=partitions)
    counts = app.Table(
        "counts", default=None, key_type=bytes, value_type=bytes, partitions=partitions
    )
    processor = BatchProcessor(
        chain=chain,
        feed=feed,
        deadletter=deadletter,
        seen=seen,
        counts=counts,
        worker_id=settings.worker_id,
        oin=settings.oin,
        channel_of_topic={settings.topic(f"raw.{c}"): c for c in RAW_CHANNELS},
        feed_tail=FeedTail(settings, settings.topic("interactions")),
        send_all=transactional_send(app) if exactly_once else None,
        settle=app.producer.buffer.flush if exactly_once else None,
    )

    dispatcher: BatchDispatcher | None = None

    @app.agent(raw_topics, concurrency=1)
    async def process(stream: faust.StreamT[bytes]) -> None:
        nonlocal dispatcher
        manual = cast(Any, stream).noack()  # faust's StreamT stub lacks noack()
        dispatcher = BatchDispatcher(
            processor.handle,
            OrderedAcker(manual.ack),
            max_batch=BATCH_MAX,
            max_wait_s=BATCH_WITHIN_S,
            max_in_flight=settings.worker_concurrency,
        )
        try:
            async for event in manual.events():
                await dispatcher.add(event)
        except asyncio.CancelledError:
            await finish_in_flight(dispatcher)
            raise

    async def finish_before_commit() -> None:
        if dispatcher is not None:
            await finish_in_flight(dispatcher)
        await app.producer.buffer.flush()

    # SIGTERM: finish and ack the batches in flight while the producer still runs, then commit
    app.before_final_commit = finish_before_commit

    published: dict[bytes, bytes] = {}

    @app.timer(STATS_PUBLISH_INTERVAL_S)  # type: ignore[untyped-decorator]
    async def publish_stats() -> None:
        """Publish changed counts of this worker's partitions to the stats topic (compacted)."""
        for key, value in list(counts.data.items()):
            if published.get(key) == value:
                continue
            record = stats.to_record(key.decode(), int(value))
            await stats_topic.send(key=key, value=orjson.dumps(record.model_dump(mode="json")))
            published[key] = value

    @app.timer(EXPIRY_INTERVAL_S)  # type: ignore[untyped-decorator]
    async def expire_seen() -> None:
        """Keep the dedupe table to the configured window (SAMENSPEL_DEDUPE_WINDOW_S)."""
        expired = processor.expire_seen(time.time(), settings.dedupe_window_s)
        if expired:
            log.info("dedupe ids expired", count=expired)

    @app.on_partitions_revoked.connect
    async def on_revoked(
        sender: Any, /, *args: Any, signal: BaseSignalT[Any], **kwargs: Any
    ) -> None:
        """Finish and ack what is in flight before partitions move, then re-prime."""
        metrics.REBALANCES.inc()
        if dispatcher is not None:
            await finish_in_flight(dispatcher)
        processor.forget_partitions()

    started = time.monotonic()

    @app.page("/health")
    async def health(web_view: View, request: Request) -> Response:
        return web_view.json({"status": "ok", "uptime_s": round(time.monotonic() - started, 1)})

    @app.page("/ready")
    async def ready(web_view: View, request: Request) -> Response:
        assigned = len(app.consumer.assignment()) if app.consumer else 0
        ok = app.rebalancing is False and assigned > 0
        return web_view.json(
            {"ready": ok, "assigned_partitions": assigned}, status=200 if ok else 503
        )

    @app.page("/metrics")
    async def prometheus(web_view: View, request: Request) -> Response:
        _update_lag(app)
        return web_view.bytes(generate_latest(metrics.REGISTRY), content_type="text/plain")

    @app.page("/stats")
    async def stats_page(web_view: View, request: Request) -> Response:
        now = datetime.now(UTC)
        entries = [
            (k.decode(), int(v))
            for k, v in list(counts.data.items())
            if not stats.expired(k.decode(), now)
        ]
        return web_view.bytes(
            orjson.dumps(stats.summarise(entries)), content_type="application/json"
        )

    @app.page("/recent")
    async def recent_page(web_view: View, request: Request) -> Response:
        """The newest interactions this worker published (newest first), as a JSON array."""
        body = b"[" + b",".join(reversed(processor.recent)) + b"]"
        return web_view.bytes(body, content_type="application/json")

    @app.page("/dashboard")
    async def dashboard(web_view: View, request: Request) -> Response:
        return web_view.bytes(DASHBOARD_HTML.read_bytes(), content_type="text/html")

    return app


def transactional_send(app: faust.App) -> Callable[[Sequence[Output]], Awaitable[list[Any]]]:
    """exactly_once: send outputs inside the transaction of the raw partition each came from.

    faust picks the transaction by the destination partition and knows only the topics it
    consumes: for the feed it finds none, drops ``partition=`` and sends outside any transaction.
    Here the id is the one faust commits the source offsets under (``{app}-{group}-{partition}``).
    Each send waits for faust's per-transaction lock (held during commits); the batch lock keeps a
    batch's records together, so that concurrent batches cannot reorder the events of a raw key.
    """
    batch_lock = asyncio.Lock()

    async def send_all(outputs: Sequence[Output]) -> list[Any]:
        async with batch_lock:
            return [await _send(out) for out in outputs]

    async def _send(out: Output) -> Any:
        message = out.event.message
        group = app.assignor.group_for_topic(message.topic)
        return await app.producer.send(
            out.topic.get_topic_name(), out.key, out.value, out.partition, None, out.headers,
            transactional_id=f"{app.conf.id}-{group}-{message.partition}",
        )  # fmt: skip

    return send_all


async def finish_in_flight(dispatcher: BatchDispatcher) -> None:
    """Let the batches in flight finish and ack before faust commits (shutdown, rebalance).

    If that takes too long, exit at once without committing: the batches are then re-read, which
    is safe, while committing now could skip events whose outputs were never acknowledged.
    """
    try:
        await asyncio.wait_for(asyncio.shield(dispatcher.drain()), timeout=SHUTDOWN_GRACE_S)
    except Exception:
        log.error("batches in flight could not finish; exiting without commit")
        os._exit(75)


def _default_datadir(settings: Settings) -> str:
    from pipeline.local_kafka import cache_dir

    path = cache_dir() / "worker-data" / f"{settings.topic_prefix}-{settings.worker_id}"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


def _update_lag(app: faust.App) -> None:
    """Consumer lag per assigned partition: high water mark minus committed position."""
    consumer = app.consumer
    if consumer is None:
        return
    for tp in consumer.assignment():
        highwater = consumer.highwater(tp)
        committed = getattr(consumer, "_committed_offset", {}).get(tp)  # no public accessor
        if highwater is not None and committed is not None:
            metrics.CONSUMER_LAG.labels(tp.topic, str(tp.partition)).set(
                max(0, highwater - committed)
            )
