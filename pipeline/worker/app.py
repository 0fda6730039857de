"""The faust app: the raw topics' consumer, two tables, a stats timer and web pages.

Checkpoint order (what makes the feed at-least-once and, with the dedupe, once):
1. the consumer hands each fetch's raw events over unacked (transport.py, instead of a faust agent)
   and they are batched per partition (dispatch.py);
2. before the first batch of a partition, the ids on the tail of its feed partition are loaded;
3. the chain turns each event into an interaction or a dead letter (pure code); ids already seen
   or in flight are dropped;
4. every output is produced to feed partition = raw partition, and its acknowledgement awaited
   (idempotent producer, acks=all);
5. the ids go into ``seen`` and the counts into ``counts`` (changelog writes, handed to the
   producer; their acknowledgement is not awaited, as with faust's own table writes);
6. the batch's events are marked done; acks are released per partition in offset order only;
   faust commits acked offsets.
A crash anywhere before 6 re-delivers the batch; steps 2 and 3 drop what already reached the feed.

With ``SAMENSPEL_PROCESSING_GUARANTEE=exactly_once`` faust keeps one Kafka transaction per raw
partition and commits the offsets inside it. Step 4 then writes into the transaction of the event's
raw partition (faust itself would send feed records outside any transaction), step 5 hands the
changelog writes to that transaction before the ack, and step 2 reads only committed feed records.
faust commits a transaction every second, batch boundaries or not: a crash aborts what was sent
since, and the tail (step 2) drops what a commit had already made visible without the batch's
offsets. A read_committed reader thus sees each event once. At shutdown the batches in flight
finish before faust's last commit ends the transactions.
"""

from __future__ import annotations

import asyncio
import contextlib
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

from pipeline import heap, stats
from pipeline.chain import Chain
from pipeline.logs import get_logger
from pipeline.settings import RAW_CHANNELS, Settings
from pipeline.topics import Topology
from pipeline.worker import metrics
from pipeline.worker.batch import BatchProcessor, Output, SendAll
from pipeline.worker.dispatch import BATCH_MAX, BatchDispatcher, OrderedAcker
from pipeline.worker.feed_tail import FeedTail
from pipeline.worker.transport import (  # importing it registers the samenspel:// scheme
    BulkDelivery,
    IdempotentProducer,
)

log = get_logger(__name__)
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
    bulk_delivery: BulkDelivery | None = None
    """Read by the transport's BulkConsumer: which topics' messages go where, a fetch at a time."""

    async def on_started(self) -> None:
        """Settle the garbage collector once start-up has built the chain and faust (heap.py)."""
        heap.settle()
        await super().on_started()

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
        send_all=producer_send(app, transactional=exactly_once),
    )

    # subscribed like an agent's topics, but BulkConsumer hands their messages to the dispatcher
    app.topics.add(raw_topics)
    dispatcher = BatchDispatcher(
        processor.handle,
        OrderedAcker(lambda message: app.consumer.ack(message)),
        max_batch=BATCH_MAX,
        max_in_flight=settings.worker_concurrency,
    )
    app.bulk_delivery = BulkDelivery(frozenset(settings.raw_topics()), dispatcher.add)

    async def finish_before_commit() -> None:
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


def producer_send(app: faust.App, *, transactional: bool) -> SendAll:
    """Hand a batch's outputs to the producer: one produce batch per topic and partition.

    Outputs with a partition (the feed, the tables' changelogs) go out through
    ``IdempotentProducer.send_records``; dead letters (partitioned by key) one by one.

    exactly_once: each output goes into the transaction of the raw partition it came from. faust
    picks the transaction by the destination partition and knows only the topics it consumes: for
    the feed it finds none and sends outside any transaction. Here the id is the one faust commits
    the source offsets under (``{app}-{group}-{partition}``). Each send waits for faust's
    per-transaction lock (held during commits); the batch lock keeps a batch's records together, so
    that concurrent batches cannot reorder the events of a raw key.
    """
    batch_lock = asyncio.Lock() if transactional else contextlib.nullcontext()

    def transaction_of(out: Output) -> str | None:
        if not transactional:
            return None
        group = app.assignor.group_for_topic(out.message.topic)
        return f"{app.conf.id}-{group}-{out.message.partition}"

    async def send_all(outputs: Sequence[Output]) -> list[Awaitable[Any]]:
        producer = cast(IdempotentProducer, app.producer)
        sent: list[Any] = [None] * len(outputs)
        async with batch_lock:
            for index, out in enumerate(outputs):
                if out.partition is None:
                    sent[index] = await producer.send(
                        out.topic.get_topic_name(), out.key, out.value, None, None, out.headers,
                        transactional_id=transaction_of(out),
                    )  # fmt: skip
            groups = _by_partition(outputs, transaction_of)
            for (topic, partition, transaction), indexes in groups.items():
                records = [(outputs[i].key, outputs[i].value, outputs[i].headers) for i in indexes]
                acks = await producer.send_records(
                    topic, partition, records, transactional_id=transaction
                )
                for index, ack in zip(indexes, acks, strict=True):
                    sent[index] = ack
        return sent

    return send_all


def _by_partition(
    outputs: Sequence[Output], transaction_of: Callable[[Output], str | None]
) -> dict[tuple[str, int, str | None], list[int]]:
    """Positions of the outputs per topic, partition and transaction (in order)."""
    groups: dict[tuple[str, int, str | None], list[int]] = {}
    for index, out in enumerate(outputs):
        if out.partition is not None:
            key = (out.topic.get_topic_name(), out.partition, transaction_of(out))
            groups.setdefault(key, []).append(index)
    return groups


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
