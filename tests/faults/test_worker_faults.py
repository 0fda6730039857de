"""The worker under SIGKILL (three times) and a broker killed mid-stream: the feed still holds
every input event exactly once, in raw order per key."""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline import local_kafka
from pipeline.bench import kafka_io
from pipeline.bench.events import BenchEvent, make_events
from pipeline.bench.processes import Child, start_worker
from pipeline.bench.verify import FeedRecord, verify_feed
from pipeline.settings import Settings
from tests.faults.conftest import EVENTS

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow, pytest.mark.timeout(900)]
KEY = "fault-test-pseudonym-key-0123456789abcdef"
PRODUCE_RATE = 1500.0
"""Offered load while the faults happen: the stream is still flowing when they hit."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class FeedCounter:
    """Reads the feed (read_committed) in the background: the count drives when faults happen."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.records: list[FeedRecord] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        consumer = KafkaConsumer(
            bootstrap_servers=self.settings.bootstrap_list(),
            enable_auto_commit=False,
            isolation_level="read_committed",
        )
        topic = self.settings.topic("interactions")
        tps = [
            TopicPartition(topic, p)
            for p in range(kafka_io.partition_count(self.settings, "interactions"))
        ]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        while not self._stop.is_set():
            for batch in consumer.poll(timeout_ms=300).values():
                self.records.extend(
                    FeedRecord(m.key or b"", m.timestamp, m.partition, m.offset) for m in batch
                )
        consumer.close()

    def distinct(self) -> int:
        return len({r.key for r in list(self.records)})

    def stop(self) -> list[FeedRecord]:
        self._stop.set()
        self._thread.join(30)
        return list(self.records)


def wait_for(counter: FeedCounter, distinct: int, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while counter.distinct() < distinct:
        if time.monotonic() > deadline:
            raise AssertionError(f"feed stuck at {counter.distinct()} of {distinct} events")
        time.sleep(0.2)


def produce_in_background(settings: Settings, events: list[BenchEvent]) -> threading.Thread:
    thread = threading.Thread(
        target=lambda: asyncio.run(kafka_io.produce_events(settings, events, rate=PRODUCE_RATE)),
        daemon=True,
    )
    thread.start()
    return thread


def test_worker_sigkilled_three_times_and_a_broker_restarted(
    cluster: local_kafka.Cluster, tmp_path: Path
) -> None:
    """Every event reaches the feed exactly once and in order per key despite four faults."""
    settings = Settings(
        kafka_bootstrap_servers=cluster.bootstrap,
        topic_prefix=f"f{uuid.uuid4().hex[:8]}",
        pseudonym_key=KEY,
    )
    kafka_io.create_bench_topics(settings)
    events = make_events(EVENTS, run=settings.topic_prefix, per_key=10, seed=3)
    rng = random.Random()
    kills = sorted(rng.uniform(0.1, 0.85) for _ in range(3))
    broker_at = rng.uniform(0.2, 0.7)
    broker = rng.choice([node.node_id for node in cluster.nodes])
    log(f"{len(events)} events; worker kills at {[f'{k:.0%}' for k in kills]} of the feed, "
        f"broker {broker} at {broker_at:.0%}")  # fmt: skip
    counter = FeedCounter(settings)
    producer = produce_in_background(settings, events)
    data_dir = str(tmp_path / "data")
    # a short session timeout: a killed worker's partitions move on after 8 s, not 30
    options = {"SAMENSPEL_DATA_DIR": data_dir, "SAMENSPEL_SESSION_TIMEOUT_S": "8"}
    worker: Child = start_worker(settings, tmp_path / "worker.log", **options)
    broker_down = False
    try:
        plan = sorted([(k, "worker") for k in kills] + [(broker_at, "broker")])
        for fraction, what in plan:
            wait_for(counter, int(fraction * len(events)), timeout_s=300)
            seen = counter.distinct()
            if what == "worker":
                worker.kill()
                log(f"SIGKILL worker pid {worker.process.pid} at {seen} feed events")
                worker = start_worker(settings, tmp_path / "worker.log", **options)
                worker.wait_ready("/ready", timeout_s=180)
                log(f"restarted worker pid {worker.process.pid} is ready at {counter.distinct()}")
            else:
                local_kafka.kill_node(cluster, broker)
                broker_down = True
                log(f"SIGKILL broker {broker} at {seen} feed events")
                time.sleep(10)
                local_kafka.restart_node(cluster, broker)
                broker_down = False
                log(f"restarted broker {broker} (at {counter.distinct()} feed events)")
        producer.join(timeout=300)
        log("producer finished")
        wait_for(counter, len(events), timeout_s=300)
        time.sleep(5)  # duplicates, if any, would arrive now
    finally:
        if broker_down:
            local_kafka.restart_node(cluster, broker)
        worker.stop()
        records = counter.stop()
    verdict = verify_feed(events, records)
    log(verdict.summary())
    assert verdict.ok, (
        f"{verdict.summary()}; first missing {verdict.missing[:3]}, first duplicated "
        f"{list(verdict.duplicated)[:3]}, first order violations {verdict.order_violations[:3]}"
    )
