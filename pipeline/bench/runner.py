"""One bench run, stage by stage, on a fresh topic prefix that is deleted afterwards."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.bench import baseline, kafka_io, webhook_run
from pipeline.bench.chain_run import chain_rate
from pipeline.bench.events import BenchEvent, make_events
from pipeline.bench.measure import percentile, rate_from_timestamps
from pipeline.bench.processes import start_webhooks, start_worker
from pipeline.bench.results import BenchResult, machine
from pipeline.errors import SamenspelError
from pipeline.settings import Settings

BENCH_KEY = "bench-only-pseudonym-key-0123456789abcdef"
"""Used when no key is configured: bench events are synthetic, the key protects nothing real."""
SCRATCH = "bench.scratch"
BASELINE_PASSES = 3
"""The bare loop drains 10,000 events in about half a second, so one pass's rate swings by ±30%;
the baseline is the median of this many passes over the same events (fresh group and scratch
topic each)."""
CHAIN_SAMPLE = 5000
WEBHOOK_REQUESTS = 2000


@dataclass(frozen=True)
class BenchOptions:
    events: int = 20_000
    rate: float = 1000.0
    latency_s: float = 10.0
    skip_webhook: bool = False
    timeout_s: float = 300.0


Progress = Callable[[str], None]


def bench_settings(settings: Settings) -> Settings:
    """The configured broker with a fresh prefix (and a bench key when none is configured)."""
    prefix = f"bench-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:6]}"
    return settings.model_copy(
        update={"topic_prefix": prefix, "pseudonym_key": settings.pseudonym_key or BENCH_KEY}
    )


def run_bench(
    settings: Settings, options: BenchOptions, progress: Progress = lambda _: None
) -> BenchResult:
    """Measure baseline, worker, latency, chain and webhooks; topics are removed at the end."""
    if options.events < 100:
        raise SamenspelError(f"--events must be at least 100, got {options.events}")
    if options.rate <= 0:
        raise SamenspelError(f"--rate must be positive, got {options.rate}")
    settings = bench_settings(settings)
    scratches = [settings.topic(f"{SCRATCH}.{k}") for k in range(BASELINE_PASSES)]
    progress(f"creating topics under prefix {settings.topic_prefix}")
    kafka_io.create_bench_topics(settings, extra=scratches)
    try:
        return _run(settings, options, scratches, progress)
    finally:
        _delete_topics(settings)


def _run(
    settings: Settings, options: BenchOptions, scratches: list[str], progress: Progress
) -> BenchResult:
    events = make_events(options.events, run=settings.topic_prefix)
    # First, while the broker is idle: after the Kafka stages it still flushes and compacts for a
    # while, and on two cores that slows this process's CPU too (docs/performance.md).
    progress("chain alone, in process (median of 5 runs)")
    from pipeline.assembly import build_chain

    chain_value = chain_rate(build_chain(settings), [e.value for e in events[:CHAIN_SAMPLE]])

    progress(f"producing {len(events)} events to the raw topics")
    asyncio.run(kafka_io.produce_events(settings, events))

    progress(f"baseline: bare consume → produce loop (median of {len(scratches)} passes)")
    baseline_rate = statistics.median(
        _baseline_pass(settings, options, scratch, len(events), group=f"baseline-{k}")
        for k, scratch in enumerate(scratches)
    )

    pipeline_rate, latencies = _worker_stages(settings, options, events, progress)

    webhook_rate, note = _webhook_stage(settings, options, events, progress)
    from pipeline.local_kafka import broker_count, kafka_version

    return BenchResult(
        baseline_events_per_s=round(baseline_rate, 1),
        pipeline_events_per_s=round(pipeline_rate, 1),
        ratio=round(pipeline_rate / baseline_rate, 3),
        p50_latency_ms=round(percentile(latencies, 50), 1) if latencies else None,
        p99_latency_ms=round(percentile(latencies, 99), 1) if latencies else None,
        chain_events_per_s=round(chain_value, 1),
        webhook_events_per_s=round(webhook_rate, 1) if webhook_rate is not None else None,
        events=len(events),
        latency_rate=options.rate,
        latency_events=len(latencies),
        webhook_note=note,
        processing_guarantee=settings.processing_guarantee,
        machine=machine(kafka_version(), broker_count(settings.kafka_bootstrap_servers)),
    )


def _baseline_pass(
    settings: Settings, options: BenchOptions, scratch: str, count: int, *, group: str
) -> float:
    """One pass of the bare loop over the raw topics into ``scratch``; its rate."""
    asyncio.run(
        baseline.forward(
            settings, settings.raw_topics(), scratch, expect=count,
            group=f"{settings.topic_prefix}-{group}", timeout_s=options.timeout_s,
        )
    )  # fmt: skip
    tail = kafka_io.TopicTail(settings, scratch, kafka_io.partition_count(settings, SCRATCH))
    asyncio.run(tail.read_until(count, options.timeout_s))
    return rate_from_timestamps([s for v in tail.stamps.values() for s in v])


def _worker_stages(
    settings: Settings, options: BenchOptions, events: list[BenchEvent], progress: Progress
) -> tuple[float, list[float]]:
    """The worker over the preloaded events (throughput), then at a fixed offered load (latency)."""
    feed = settings.topic("interactions")
    with tempfile.TemporaryDirectory(prefix="samenspel-bench-") as tmp:
        progress("worker: full chain over the same events")
        worker = start_worker(
            settings, Path(tmp) / "worker.log", SAMENSPEL_DATA_DIR=str(Path(tmp) / "data")
        )
        try:
            worker.wait_ready("/ready")
            tail = kafka_io.TopicTail(
                settings, feed, kafka_io.partition_count(settings, "interactions")
            )
            asyncio.run(tail.read_until(len(events), options.timeout_s))
            rate = rate_from_timestamps(tail.first_stamps())
            count = int(options.rate * options.latency_s)
            progress(f"latency: {count} events at {options.rate:.0f}/s")
            paced = make_events(count, run=f"{settings.topic_prefix}-lat", seed=11)
            sent, tail = asyncio.run(_paced(settings, paced, options, len(events) + count))
        except SamenspelError as exc:
            raise SamenspelError(f"{exc} (worker log: {worker.log_tail()})") from None
        finally:
            worker.stop()
    latencies = [
        float(tail.stamps[e.interaction_id.encode()][0] - sent[e.interaction_id]) for e in paced
    ]
    return rate, latencies


async def _paced(
    settings: Settings, events: list[BenchEvent], options: BenchOptions, expect: int
) -> tuple[dict[str, int], kafka_io.TopicTail]:
    tail = kafka_io.TopicTail(
        settings, settings.topic("interactions"), kafka_io.partition_count(settings, "interactions")
    )
    reading = asyncio.create_task(tail.read_until(expect, options.latency_s + options.timeout_s))
    sent = await kafka_io.produce_events(settings, events, rate=options.rate)
    await reading
    return sent, tail


def _webhook_stage(
    settings: Settings, options: BenchOptions, events: list[BenchEvent], progress: Progress
) -> tuple[float | None, str | None]:
    if options.skip_webhook:
        return None, "skipped (--skip-webhook)"
    try:
        import pipeline.connect.webhooks  # noqa: F401
    except ImportError as exc:
        return None, f"no webhook receiver in this build ({exc})"
    count = min(len(events), WEBHOOK_REQUESTS)
    progress(f"webhooks: {count} signed requests")
    bodies = [webhook_run.transcript(e, n) for n, e in enumerate(events[:count])]
    with tempfile.TemporaryDirectory(prefix="samenspel-bench-") as tmp:
        receiver = start_webhooks(
            settings, Path(tmp) / "webhooks.log", {webhook_run.CONNECTOR: webhook_run.SECRET}
        )
        try:
            receiver.wait_ready("/health", timeout_s=60)
            rate = asyncio.run(webhook_run.post_all(receiver.port, bodies))
        except SamenspelError as exc:
            raise SamenspelError(f"{exc} (receiver log: {receiver.log_tail()})") from None
        finally:
            receiver.stop()
    return rate, None


def _delete_topics(settings: Settings) -> None:
    """Remove the run's topics so that repeated runs do not fill the shared broker."""
    from kafka import KafkaAdminClient

    from pipeline.kafka_client import security_kwargs

    admin = KafkaAdminClient(
        bootstrap_servers=settings.bootstrap_list(), client_id="samenspel-bench",
        **security_kwargs(settings),
    )  # fmt: skip
    try:
        ours = [t for t in admin.list_topics() if t.startswith(f"{settings.topic_prefix}")]
        if ours:
            admin.delete_topics(ours, timeout_ms=30_000)
    except Exception:
        pass  # leftovers are harmless; never hide the run's own result or error
    finally:
        admin.close()
